// The old tool's background watcher: acquires a session that another process drives, so the kernel queues it
// behind that driver; it long-polls until the lease is its own, reads the tab and finishes the session.
import { start, say, fail, READ_PAGE } from './common.mjs';

const { client, args } = start({
  session: { type: 'string' }, key: { type: 'string' }, holder: { type: 'string', default: 'watcher' },
  outcome: { type: 'string', default: 'COMPLETED' },
});
try {
  const lease = await client.acquire({
    sessionId: args.session, key: args.key, holder: args.holder, waitMillis: 5_000,
    onQueued: (q) => say('queued', { requestId: q.requestId, queueDeadline: q.queueDeadline }),
  });
  say('granted', { token: lease.token, targetId: lease.targetId, cdpUrl: lease.cdpUrl ?? null });
  if (lease.cdpUrl) {
    const cdp = await lease.cdp();
    say('read', { page: await cdp.evaluate(READ_PAGE) });
  } else {
    say('no-cdp', { reason: 'the granted answer has no cdpUrl' });
  }
  await lease.release(args.outcome);
  say('released', { outcome: args.outcome });
} catch (e) {
  fail(e);
}
