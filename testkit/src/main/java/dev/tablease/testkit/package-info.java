/**
 * The fake chat app and the browser helpers that the demo ({@code ./tablease demo}) and the adapter's tests
 * drive: {@link dev.tablease.testkit.ChatServer} (a chat web app on 127.0.0.1 that streams slow
 * answers), {@link dev.tablease.testkit.ChromiumProcess} (a headless chromium shared over CDP),
 * and {@link dev.tablease.testkit.Cdp} (a second, raw CDP client). They depend on no tablease module.
 * Not part of the library's API: fixtures for demonstrations and tests (module {@code testkit}).
 */
package dev.tablease.testkit;
