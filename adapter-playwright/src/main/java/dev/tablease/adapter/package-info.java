/**
 * The Playwright adapter: carries the kernel's decisions out on real Chrome tabs, and the agent-facing
 * API on top of it.
 *
 * <ul>
 *   <li>{@link dev.tablease.adapter.TabBroker}: one per process; reaches Chrome (launches Debian's
 *       {@code chromium} headless, or connects over CDP to a running Chrome on a loopback port), executes
 *       {@code OpenTab}/{@code CloseTab}/{@code ResetTab}/{@code Navigate} and feeds the results back into
 *       the kernel through a {@link dev.tablease.store.KernelStore}.</li>
 *   <li>{@link dev.tablease.adapter.TabLease}: the handle an agent gets for (session, key, request
 *       class); heartbeats on its own, exposes the Playwright {@code Page}, fences session writes with its
 *       token, refuses use after revocation.</li>
 *   <li>{@link dev.tablease.adapter.TabFailure} and {@link dev.tablease.adapter.FailureClassifier}: the
 *       typed failure taxonomy. No liveness pre-checks: use the tab, then classify what went wrong.</li>
 * </ul>
 *
 * See {@code docs/adapter.md}.
 */
package dev.tablease.adapter;
