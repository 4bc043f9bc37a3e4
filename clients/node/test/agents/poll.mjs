// The old tool's `poll`: a later process that acquires the same session (a reattach: the same tab) together with
// its CDP socket (acquireWithCdp: one round trip), reads what the send left in the page, drives it for a while (so
// a watcher can queue behind it), and releases.
import { start, say, fail, sleep, READ_PAGE } from './common.mjs';

const { client, args } = start({
  session: { type: 'string' }, key: { type: 'string' }, holder: { type: 'string', default: 'poll' },
  'drive-millis': { type: 'string', default: '0' }, outcome: { type: 'string', default: 'DETACH' },
});
try {
  const { lease, cdp } = await client.acquireWithCdp({ sessionId: args.session, key: args.key, holder: args.holder });
  say('granted', { token: lease.token, targetId: lease.targetId, cdpUrl: lease.cdpUrl ?? null });
  say('read', { page: await cdp.evaluate(READ_PAGE) });
  const driveMillis = Number(args['drive-millis']);
  if (driveMillis > 0) {
    say('driving', { millis: driveMillis });
    const until = Date.now() + driveMillis;
    let polls = 0;
    while (Date.now() < until) {
      polls = await cdp.evaluate(`(globalThis.__tablease ??= {}).polls = (globalThis.__tablease.polls ?? 0) + 1`);
      await sleep(100);
    }
    say('drove', { polls, state: lease.state });
  }
  await cdp.evaluate(`(globalThis.__tablease ??= {}).polledBy = ${JSON.stringify(args.holder)}`);
  await lease.release(args.outcome);
  say('released', { outcome: args.outcome });
} catch (e) {
  fail(e);
}
