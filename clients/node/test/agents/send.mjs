// The old tool's `send`: acquires the session's lease (a new session: the service opens or pools a tab), writes
// into the tab through the lease's CDP socket, records the conversation URL, releases with DETACH (the session
// keeps its tab while the vendor generates) and exits.
import { start, say, fail, READ_PAGE } from './common.mjs';

const { client, args } = start({
  session: { type: 'string' }, key: { type: 'string' }, holder: { type: 'string', default: 'send' },
  mark: { type: 'string' }, 'conversation-url': { type: 'string' },
});
try {
  const lease = await client.acquire({ sessionId: args.session, key: args.key, holder: args.holder });
  say('granted', { token: lease.token, targetId: lease.targetId, cdpUrl: lease.cdpUrl ?? null });
  if (lease.cdpUrl) {
    const cdp = await lease.cdp();
    const page = await cdp.evaluate(`document.title = ${JSON.stringify(args.mark)};
      globalThis.__tablease = {sentBy: ${JSON.stringify(args.holder)}, mark: ${JSON.stringify(args.mark)}}; ${READ_PAGE}`);
    say('wrote', { page });
  } else {
    say('no-cdp', { reason: 'the granted answer has no cdpUrl' });
  }
  const up = await lease.update(args['conversation-url']);
  say('updated', { conversationUrl: up.conversationUrl });
  await lease.release('DETACH');
  say('released', { outcome: 'DETACH' });
} catch (e) {
  fail(e);
}
