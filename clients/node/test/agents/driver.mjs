// A driver that never lets go: acquires, writes its mark into the tab, says `ready`, then keeps driving the
// tab (and beating its lease) until it is killed. The tests kill it with SIGKILL (its lease must then lapse)
// or freeze it with SIGSTOP and wake it with SIGCONT (`--when-lost report`: it then reports what the service
// still lets a stale holder do: its heartbeat, update, release, CDP commands and a new CDP socket).
import { start, say, fail, sleep, outcome } from './common.mjs';

const { client, args } = start({
  session: { type: 'string' }, key: { type: 'string' }, holder: { type: 'string', default: 'driver' },
  mark: { type: 'string', default: 'driver' }, 'when-lost': { type: 'string', default: 'exit' },
  'conversation-url': { type: 'string' },
});
try {
  const lease = await client.acquire({ sessionId: args.session, key: args.key, holder: args.holder });
  const cdp = lease.cdpUrl ? await lease.cdp() : null;
  if (cdp) {
    await cdp.evaluate(`document.title = ${JSON.stringify(args.mark)};
      globalThis.__tablease = {drivenBy: ${JSON.stringify(args.holder)}, mark: ${JSON.stringify(args.mark)}}`);
  }
  if (args['conversation-url']) {
    await lease.update(args['conversation-url']);
  }
  const lost = lease.ended;
  say('ready', { token: lease.token, targetId: lease.targetId, cdpUrl: lease.cdpUrl ?? null, expiresAt: lease.expiresAt });
  let drives = 0;
  for (;;) {
    const done = await Promise.race([lost.then(() => true), sleep(100).then(() => false)]);
    if (done) {
      break;
    }
    if (cdp && !cdp.isClosed) {
      await cdp.evaluate('globalThis.__tablease.drives = (globalThis.__tablease.drives ?? 0) + 1').catch(() => {});
    }
    drives++;
  }
  const why = lease.lostBecause;
  say('lost', { code: why?.code, httpStatus: why?.httpStatus, message: why?.message, drives });
  if (args['when-lost'] !== 'report') {
    process.exit(0);
  }
  // What is left of the lease for a holder that was frozen past its expiry: the HTTP calls first, then its
  // CDP socket (closed by the service while it was frozen, or, if not, given 3 s to close), a command on it,
  // and a new socket.
  const report = {
    heartbeat: await outcome(() => lease.heartbeat()),
    update: await outcome(() => lease.update('https://chat.example/c/stale')),
    release: await outcome(() => lease.release('COMPLETED')),
    reconnect: lease.cdpUrl ? await outcome(() => lease.cdp()) : null,
    socket: cdp ? await Promise.race([cdp.closed, sleep(3_000).then(() => null)]) : null,
  };
  report.command = cdp ? await outcome(() => cdp.evaluate('document.title')) : null;
  say('stale', report);
  process.exit(0);
} catch (e) {
  fail(e);
}
