/**
 * The fake chat app and the browser helpers that the demo ({@code ./tablease demo}) and the adapter's tests
 * drive: {@link dev.tablease.adapter.demo.ChatServer} (a chat web app on 127.0.0.1 that streams slow
 * answers), {@link dev.tablease.adapter.demo.ChromiumProcess} (a headless chromium shared over CDP),
 * {@link dev.tablease.adapter.demo.Cdp} (a second, raw CDP client) and
 * {@link dev.tablease.adapter.demo.ChatAgent} (send a prompt, poll the answer under a lease).
 * Not part of the library's API: fixtures for demonstrations and tests.
 */
package dev.tablease.adapter.demo;
