// The lease's own CDP socket through the client: the granted tab driven with plain CDP, commands that would
// reach other targets refused on it (CDP_ERROR, the socket still usable), a wrong bearer token and a stale
// fencing token refused at the upgrade with the service's typed errors, the socket closed with the service's
// code and reason when the lease is released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TableaseClient } from '../src/index.js';
import { client, NO_SERVICE, unique, URL_ } from './service.mjs';

const NO_CDP = 'the granted answer has no cdpUrl: this service has no per-lease CDP endpoint yet';

test('the lease\'s CDP socket drives its tab, refuses Target.*, Browser.* and Page.close, and closes 4000 on a release',
  { skip: NO_SERVICE }, async (t) => {
    const c = client();
    const s = unique('cdp');
    const key = unique('key');
    const lease = await c.acquire({ sessionId: s, key, holder: 'cdp-1' });
    let released = false;
    try {
      if (!lease.cdpUrl) {
        t.skip(NO_CDP);
        return;
      }
      assert.match(lease.cdpUrl, new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v1/cdp/${s}/${lease.token}$`));
      const cdp = await lease.cdp();
      assert.equal(await cdp.evaluate('1 + 1'), 2);
      assert.equal(await cdp.evaluate('document.title = "driven"; document.title'), 'driven');
      await assert.rejects(cdp.evaluate('(() => { throw new Error("boom") })()'),
        (e) => e.code === 'CDP_EXCEPTION' && e.message.includes('boom'));
      // events of the tab come through the socket
      await cdp.send('Runtime.enable');
      const logged = new Promise((resolve) => cdp.once('Runtime.consoleAPICalled', resolve));
      await cdp.evaluate('console.log("hello from the tab")');
      assert.equal((await logged).args[0].value, 'hello from the tab');

      for (const [method, params] of [['Target.getTargets', {}], ['Target.createTarget', { url: 'about:blank' }],
        ['Browser.close', {}], ['Page.close', {}], ['Target.attachToTarget', { targetId: lease.targetId }]]) {
        await assert.rejects(cdp.send(method, params), (e) => e.code === 'CDP_ERROR' && e.cdpError?.code === -32601,
          `${method} is refused on the lease's socket`);
      }
      assert.equal(await cdp.evaluate('document.title'), 'driven', 'the socket still works after the refusals');

      const observer = await c.connectCdp(lease.cdpUrl);
      await lease.release('DETACH');
      released = true;
      assert.deepEqual(await observer.closed, { code: 4000, reason: 'lease ended: released DETACH' });
      await assert.rejects(observer.evaluate('1'), (e) => e.code === 'CDP_CLOSED' && e.closeCode === 4000);
      await cdp.closed;
      await assert.rejects(c.connectCdp(lease.cdpUrl), { code: 'STALE_TOKEN', httpStatus: 409 });
    } finally {
      if (!released) {
        await lease.release('COMPLETED');
      } else {
        await (await c.acquire({ sessionId: s, key, holder: 'cdp-1' })).release('COMPLETED');
      }
    }
  });

test('the CDP upgrade refuses a wrong bearer token (401) and a made-up fencing token (409) with typed errors',
  { skip: NO_SERVICE }, async (t) => {
    const c = client();
    const s = unique('cdp-auth');
    const key = unique('key');
    const lease = await c.acquire({ sessionId: s, key, holder: 'cdp-2' });
    try {
      if (!lease.cdpUrl) {
        t.skip(NO_CDP);
        return;
      }
      const bad = new TableaseClient({ url: URL_, token: 'not-the-token' });
      await assert.rejects(bad.connectCdp(lease.cdpUrl), { code: 'UNAUTHORIZED', httpStatus: 401 });
      const madeUp = lease.cdpUrl.replace(/\/\d+$/, `/${lease.token + 1000}`);
      await assert.rejects(c.connectCdp(madeUp), { code: 'STALE_TOKEN', httpStatus: 409 });
      await assert.rejects(c.connectCdp(lease.cdpUrl.replace(s, 'no-such-session')), { httpStatus: 404 });
      const cdp = await lease.cdp();
      assert.equal(await cdp.evaluate('40 + 2'), 42, 'the right tokens still connect');
    } finally {
      await lease.release('COMPLETED');
    }
  });
