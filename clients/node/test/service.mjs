// The service the tests run against: TABLEASE_URL and TABLEASE_TOKEN_FILE (set by serve's
// NodeClientOnChromiumTest, which starts a real service on a real headless Chromium); the agent processes;
// small waits on the service's status.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { TableaseClient } from '../src/index.js';

export const URL_ = process.env.TABLEASE_URL;
export const TOKEN_FILE = process.env.TABLEASE_TOKEN_FILE;

/** Why a test is skipped: no service to run against (set by the Maven build). */
export const NO_SERVICE = URL_ && TOKEN_FILE ? false
  : 'no service: TABLEASE_URL and TABLEASE_TOKEN_FILE are not set (serve\'s NodeClientOnChromiumTest sets them)';

/** @returns {TableaseClient} */
export function client() {
  return new TableaseClient({ url: URL_, tokenFile: TOKEN_FILE });
}

/** The agent processes started by this test file; any still running at its end is killed. */
const children = new Set();
after(() => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
    }
  }
});

/** A fresh name per test, so that tests never share a session. */
let counter = 0;
export function unique(prefix) {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}

/**
 * An agent process (test/agents/NAME.mjs) with its JSON lines.
 * @param {string} name e.g. `send`
 * @param {Record<string, string | number>} args `--name value` arguments
 */
export function agent(name, args) {
  const script = fileURLToPath(new URL(`./agents/${name}.mjs`, import.meta.url));
  const argv = [script];
  for (const [k, v] of Object.entries(args)) {
    argv.push(`--${k}`, String(v));
  }
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  children.add(child);
  /** @type {any[]} */
  const lines = [];
  /** @type {{event: string, resolve: (line: any) => void}[]} */
  const waiting = [];
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      line = { event: 'text', text };
    }
    lines.push(line);
    for (const w of waiting.filter((w) => w.event === line.event)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    lines,
    get stderr() { return stderr; },
    /** @type {Promise<{code: number | null, signal: string | null}>} */
    exited,
    /**
     * The first line of this event (already said or still to come); rejects when the process exits first.
     * @param {string} event
     * @param {number} [timeoutMillis]
     */
    line(event, timeoutMillis = 30_000) {
      const seen = lines.find((l) => l.event === event);
      if (seen) {
        return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name}: no '${event}' within ${timeoutMillis} ms; lines ${JSON.stringify(lines)}; stderr ${stderr}`)), timeoutMillis);
        waiting.push({ event, resolve: (l) => { clearTimeout(t); resolve(l); } });
        exited.then((x) => setTimeout(() => {
          clearTimeout(t);
          reject(new Error(`${name} exited (${JSON.stringify(x)}) before '${event}'; lines ${JSON.stringify(lines)}; stderr ${stderr}`));
        }, 50));
      });
    },
    /** Waits for the exit and fails unless it is 0. */
    async succeeds() {
      const x = await exited;
      if (x.code !== 0) {
        throw new Error(`${name} exited ${JSON.stringify(x)}; lines ${JSON.stringify(lines)}; stderr ${stderr}`);
      }
      return lines;
    },
  };
}

/**
 * The session's entry in the status (undefined when the kernel has none).
 * @param {TableaseClient} c
 * @param {string} sessionId
 */
export async function session(c, sessionId) {
  return (await c.status()).sessions.find((s) => s.sessionId === sessionId);
}

/**
 * Polls until `check` holds, every 50 ms, at most `timeoutMillis`.
 * @param {() => Promise<boolean>} check
 * @param {string} what
 */
export async function eventually(check, what, timeoutMillis = 15_000) {
  const until = Date.now() + timeoutMillis;
  for (;;) {
    if (await check()) {
      return;
    }
    if (Date.now() > until) {
      throw new Error(`not within ${timeoutMillis} ms: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
