/**
 * {@code tablease serve}: the lease service for agents in any language. One long-lived process owns one
 * {@link dev.tablease.adapter.TabBroker} (a headless Chrome it launched, or one it attached to over CDP on
 * loopback) over a {@link dev.tablease.store.KernelStore}, and serves acquire, heartbeat, release, fenced
 * session updates, cancel and a read-only status over HTTP/JSON on loopback, behind a bearer token.
 *
 * <p>Public API: {@link dev.tablease.serve.LeaseServer}, {@link dev.tablease.serve.ServeConfig},
 * {@link dev.tablease.serve.ErrorCode}. The HTTP API itself is documented by {@code openapi.yaml} (a resource of
 * this package) and {@code docs/serve.md}. Implementation: {@code dev.tablease.serve.internal}.
 */
package dev.tablease.serve;
