// What every agent process shares: the client from the environment (TABLEASE_URL, TABLEASE_TOKEN_FILE), its
// arguments, and one JSON line on stdout per thing it did, which the tests read.
import { parseArgs } from 'node:util';
import { TableaseClient, TableaseError } from '../../src/index.js';

/**
 * @param {Record<string, {type: 'string' | 'boolean', default?: string | boolean}>} options
 * @returns {{client: TableaseClient, args: Record<string, any>}}
 */
export function start(options) {
  const { values } = parseArgs({ options, strict: true });
  const url = process.env.TABLEASE_URL;
  const tokenFile = process.env.TABLEASE_TOKEN_FILE;
  if (!url || !tokenFile) {
    say('error', { code: 'NO_SERVICE', message: 'TABLEASE_URL and TABLEASE_TOKEN_FILE must be set' });
    process.exit(2);
  }
  return { client: new TableaseClient({ url, tokenFile }), args: values };
}

/**
 * One line for the test: `{"event": ..., ...fields}`.
 * @param {string} event
 * @param {Record<string, unknown>} [fields]
 */
export function say(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, pid: process.pid, at: Date.now(), ...fields }) + '\n');
}

/**
 * Runs `fn`, answers `{code, message, closeCode, closeReason}` of the TableaseError it throws, or `{ok: value}`.
 * @param {() => Promise<unknown>} fn
 */
export async function outcome(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    if (e instanceof TableaseError) {
      return { code: e.code, httpStatus: e.httpStatus, message: e.message, closeCode: e.closeCode, closeReason: e.closeReason };
    }
    return { code: 'UNEXPECTED', message: String(e) };
  }
}

/** Ends the process with exit code 1 and the error as a line. */
export function fail(e) {
  say('error', { code: e?.code ?? 'UNEXPECTED', message: String(e?.message ?? e) });
  process.exit(1);
}

/** What the page holds: its title and what the agents left in it. */
export const READ_PAGE = '({title: document.title, href: location.href, left: globalThis.__tablease ?? null})';

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
