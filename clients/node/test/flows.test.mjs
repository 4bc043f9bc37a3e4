// The old tool's flows as separate Node processes (test/agents/*.mjs) against a real `tablease serve` on a
// real headless Chromium: send → poll on the same tab, a watcher queued behind a driving poll, a driver killed
// with SIGKILL whose lease lapses and whose CDP socket is closed, a frozen (stale) holder refused everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { agent, client, eventually, NO_SERVICE, session, unique } from './service.mjs';

const NO_CDP = 'the granted answer has no cdpUrl: this service has no per-lease CDP endpoint yet';

/** Starts a session with a send that detaches; answers its lines. */
async function sent(s, key, mark) {
  const send = agent('send', { session: s, key, holder: 'send-1', mark, 'conversation-url': `https://chat.example/c/${s}` });
  const lines = await send.succeeds();
  return { granted: lines.find((l) => l.event === 'granted'), lines };
}

test('a send that detaches and exits, then a later poll process reattaches to the same tab and finds what the send left',
  { skip: NO_SERVICE }, async (t) => {
    const c = client();
    const s = unique('send-poll');
    const key = unique('key');
    const { granted, lines } = await sent(s, key, `mark-${s}`);
    assert.deepEqual(lines.map((l) => l.event), granted.cdpUrl
      ? ['granted', 'wrote', 'updated', 'released'] : ['granted', 'no-cdp', 'updated', 'released']);

    const detached = await session(c, s);
    assert.ok(detached, 'the session outlives the send process');
    assert.equal(detached.lease, undefined, 'no driver after DETACH');
    assert.notEqual(detached.tabId, 0, 'the reservation stays');
    assert.equal(detached.conversationUrl, `https://chat.example/c/${s}`);

    const poll = agent('poll', { session: s, key, holder: 'poll-1', outcome: 'COMPLETED' });
    const plines = await poll.succeeds();
    const pg = plines.find((l) => l.event === 'granted');
    assert.equal(pg.targetId, granted.targetId, 'the same tab');
    assert.ok(pg.token > granted.token, `a newer fencing token: ${pg.token} after ${granted.token}`);
    assert.equal(await session(c, s), undefined, 'COMPLETED ends the session');
    if (!granted.cdpUrl) {
      t.skip(NO_CDP);
      return;
    }
    const page = plines.find((l) => l.event === 'read').page;
    assert.equal(page.title, `mark-${s}`, 'the poll sees the title the send set');
    assert.deepEqual(page.left, { sentBy: 'send-1', mark: `mark-${s}` }, 'and the page state it left');
  });

test('a watcher that acquires while a poll drives waits queued, and gets the lease on the same tab when the poll lets go',
  { skip: NO_SERVICE }, async (t) => {
    const c = client();
    const s = unique('watch');
    const key = unique('key');
    const { granted } = await sent(s, key, `mark-${s}`);
    const poll = agent('poll', { session: s, key, holder: 'poll-2', 'drive-millis': 2_000, outcome: 'DETACH' });
    const pollGranted = await poll.line('granted');
    await poll.line('driving');
    const watcher = agent('watcher', { session: s, key, holder: 'watcher-1' });
    const queued = await watcher.line('queued');
    assert.ok(queued.requestId > 0, JSON.stringify(queued));
    const waiting = await session(c, s);
    assert.equal(waiting.lease?.holder, 'poll-2', 'the poll still drives');
    assert.deepEqual(waiting.drivers.map((d) => d.holder), ['watcher-1'], 'the watcher waits behind it');

    const plines = await poll.succeeds();
    const wlines = await watcher.succeeds();
    const released = plines.find((l) => l.event === 'released');
    const drove = plines.find((l) => l.event === 'drove');
    assert.equal(drove.state, 'held', 'the poll held its lease while it drove (its beats went on)');
    const wg = wlines.find((l) => l.event === 'granted');
    assert.equal(wg.targetId, granted.targetId, 'the same tab');
    assert.ok(wg.token > pollGranted.token, 'a newer token than the poll\'s');
    // the service grants the watcher when the poll's release is applied, before the poll reads its answer
    assert.ok(wg.at >= drove.at, `granted (${wg.at}) after the poll stopped driving (${drove.at})`);
    assert.ok(released, 'the poll released');
    assert.equal(await session(c, s), undefined, 'the watcher completed the session');
    if (!granted.cdpUrl) {
      t.skip(NO_CDP);
      return;
    }
    const page = wlines.find((l) => l.event === 'read').page;
    assert.equal(page.left.polledBy, 'poll-2', 'the watcher sees what the poll left');
    assert.ok(page.left.polls >= 5, `the poll drove the tab while the watcher waited: ${page.left.polls} polls`);
    assert.equal(page.title, `mark-${s}`);
  });

/** A conversation page on loopback, for the navigation of a reset tab: its title names its path. */
async function conversations(t) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>conversation ${req.url}</title><p>the vendor's answer`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections(); // the browser keeps its connection alive
  }));
  return `http://127.0.0.1:${server.address().port}`;
}

test('a driver killed with SIGKILL loses its lease for missed heartbeats, its CDP socket is closed, and the next acquire reattaches',
  { skip: NO_SERVICE }, async (t) => {
    const c = client();
    const s = unique('kill');
    const key = unique('key');
    const timeout = (await c.status()).config.heartbeatTimeoutMillis;
    const conversation = `${await conversations(t)}/c/${s}`;
    const driver = agent('driver', { session: s, key, holder: 'driver-1', mark: `mark-${s}`, 'conversation-url': conversation });
    const ready = await driver.line('ready');
    // A second socket on the same lease, held by this test, to see how the service ends it.
    const observer = ready.cdpUrl ? await c.connectCdp(ready.cdpUrl) : null;
    assert.equal((await session(c, s)).lease?.holder, 'driver-1');

    const killedAt = Date.now();
    driver.child.kill('SIGKILL');
    assert.equal((await driver.exited).signal, 'SIGKILL');
    await eventually(async () => (await session(c, s))?.lease === undefined, 'the killed driver\'s lease lapses');
    const lapsedAfter = Date.now() - killedAt;
    assert.ok(lapsedAfter >= timeout - 300, `not before the heartbeat timeout (${timeout} ms): ${lapsedAfter} ms`);
    const kept = await session(c, s);
    assert.notEqual(kept.tabId, 0, 'the session keeps its tab');

    await assert.rejects(c.call('POST', '/v1/heartbeat', { sessionId: s, token: ready.token }),
      { code: 'STALE_TOKEN', httpStatus: 409 });
    if (observer) {
      const closed = await observer.closed;
      assert.deepEqual(closed, { code: 4001, reason: 'lease ended: HEARTBEAT_MISSED' },
        'the service closed the lease\'s socket when the lease lapsed for missed heartbeats');
      await assert.rejects(c.connectCdp(ready.cdpUrl), { code: 'STALE_TOKEN', httpStatus: 409 });
    }
    const poll = agent('poll', { session: s, key, holder: 'poll-3', outcome: 'COMPLETED' });
    const plines = await poll.succeeds();
    const pg = plines.find((l) => l.event === 'granted');
    assert.equal(pg.targetId, ready.targetId, 'the next acquire reattaches to the same tab');
    assert.ok(pg.token > ready.token);
    if (!observer) {
      t.skip(NO_CDP);
      return;
    }
    // The driver vanished mid-command: the kernel reset the tab and brought it back to the conversation.
    const page = plines.find((l) => l.event === 'read').page;
    assert.deepEqual(page, { title: `conversation /c/${s}`, href: conversation, left: null },
      'the tab reset (the killed driver\'s page state gone) and navigated to the conversation URL');
  });

test('a frozen holder whose lease lapsed is refused everywhere: heartbeat, update, release, its CDP socket and a new one',
  { skip: NO_SERVICE }, async (t) => {
    const c = client();
    const s = unique('stale');
    const key = unique('key');
    const stale = agent('driver', { session: s, key, holder: 'stale-1', mark: `mark-${s}`, 'when-lost': 'report' });
    const ready = await stale.line('ready');
    stale.child.kill('SIGSTOP');
    try {
      await eventually(async () => (await session(c, s))?.lease === undefined, 'the frozen holder\'s lease lapses');
      // Another holder takes the session over while the stale one is frozen, and drives the tab.
      const next = agent('poll', { session: s, key, holder: 'next-1', 'drive-millis': 4_000, outcome: 'COMPLETED' });
      await next.line('driving');
      stale.child.kill('SIGCONT');
      const lost = await stale.line('lost');
      assert.equal(lost.code, 'STALE_TOKEN', JSON.stringify(lost));
      const report = await stale.line('stale');
      assert.equal(report.heartbeat.code, 'STALE_TOKEN', JSON.stringify(report));
      assert.equal(report.update.code, 'STALE_TOKEN', JSON.stringify(report));
      assert.equal(report.release.code, 'STALE_TOKEN', JSON.stringify(report));
      await stale.succeeds();
      const nlines = await next.succeeds();
      assert.equal(nlines.find((l) => l.event === 'drove').state, 'held', 'the new holder was not disturbed');
      assert.equal(nlines.find((l) => l.event === 'granted').targetId, ready.targetId);
      if (!ready.cdpUrl) {
        t.skip(NO_CDP);
        return;
      }
      assert.deepEqual(report.socket, { code: 4001, reason: 'lease ended: HEARTBEAT_MISSED' },
        'the service closed the stale holder\'s socket while it was frozen');
      assert.equal(report.command.code, 'CDP_CLOSED', JSON.stringify(report.command));
      assert.equal(report.command.closeCode, 4001, JSON.stringify(report.command));
      assert.equal(report.reconnect.code, 'STALE_TOKEN', JSON.stringify(report.reconnect));
      assert.equal(report.reconnect.httpStatus, 409);
    } finally {
      stale.child.kill('SIGCONT');
      if (stale.child.exitCode === null) {
        stale.child.kill('SIGKILL');
      }
    }
  });
