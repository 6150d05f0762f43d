/**
 * The web viewer reconnects by itself, in headless Chromium (playwright-core) against
 * `spice-ts serve`'s server with the still demo source, in-process:
 * - the server goes away (listener closed, viewers dropped): the status says 'reconnecting'
 *   with the attempt and the delay in words, the delays grow, the canvas keeps the last
 *   picture; a new server on the same port is found and its picture shown pixel-exact, and
 *   keys reach it;
 * - a server that comes back wanting a password is asked once, not again and again: the page
 *   shows the password prompt and the right password connects;
 * - the Disconnect button stops a waiting reconnection, and `?reconnect=off` never starts one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { canvasImage, chromiumReady, newPage, statusText, viewerBundle } from '../harness/browser.js';
import { freePort, waitUntil, sleep } from '../harness/peers.js';
import { countDiff, type Img } from '../harness/serve.js';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createDemoSource } from '../../src/server/sources/demo.js';
import { viewerHttpHandler } from '../../src/server/web-files.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { KeyEvent } from '../../src/server/source.js';

type Ctx = import('node:test').TestContext;

interface Demo {
  close(): Promise<void>;
  frame(): Img;
  keys: KeyEvent[];
  /** Viewers that linked, and links refused for the password. */
  linked: number;
  refused: number;
}

/** The still demo source (clock fixed at `when`) served with the viewer page on `port`. */
async function startDemo(t: Ctx, port: number, when: Date, password?: string): Promise<Demo> {
  const source = createDemoSource({ animate: false, clock: () => when });
  const keys: KeyEvent[] = [];
  const key = source.key!.bind(source);
  source.key = (e) => { keys.push(e); key(e); };
  const server = createServer({ source, disableTicketing: password === undefined, password, crypto: nodeTicketCrypto, log: () => {} });
  await server.start();
  const l = await listen(server, { listen: `127.0.0.1:${port}`, http: viewerHttpHandler(viewerBundle()) });
  let open = true;
  const close = async () => { if (open) { open = false; await l.close(); } };
  t.after(close);
  const d: Demo = {
    close, keys, linked: 0, refused: 0,
    frame: () => {
      const f = source.frame();
      const pixels = new Uint32Array(f.width * f.height);
      for (let y = 0; y < f.height; y++) pixels.set(f.pixels.subarray(y * f.stride, y * f.stride + f.width), y * f.width);
      return { width: f.width, height: f.height, pixels };
    },
  };
  server.on('viewer-up', () => { d.linked++; });
  server.on('error', (e) => { if (e.code === ErrorCode.AUTH_FAILED) d.refused++; });
  return d;
}

interface Seen { state: string; reason: string; attempt?: number; delayMs?: number }

/** The page at 1280x1000 with `?scale=fit` (so it does not resize the demo to the window). */
async function openPage(t: Ctx, b: Browser, port: number, query = '') {
  const { page, log } = await newPage(t, b, { viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${port}/?scale=fit${query}`);
  // Every status the viewer reports, in order.
  await page.evaluate(() => {
    const w = window as unknown as { seen: unknown[]; spiceViewer: { on(e: string, f: (s: Record<string, unknown>) => void): void } };
    w.seen = [];
    w.spiceViewer.on('status', (s) => w.seen.push({ state: s.state, reason: s.reason, attempt: s.attempt, delayMs: s.delayMs }));
  });
  return { page, log };
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { seen: Seen[] }).seen);
const state = (page: Page) => page.evaluate(() => document.getElementById('status')!.dataset.state ?? '');

async function shows(page: Page, log: string[], want: () => Img, what: string): Promise<void> {
  let diff = -2;
  await waitUntil(what, async () => {
    const img = await canvasImage(page);
    diff = img ? countDiff(img, want()) : -2;
    return diff === 0;
  }, { timeoutMs: 20_000, intervalMs: 250 }).catch(() => undefined);
  assert.equal(diff, 0, `${what}: ${diff} pixels differ (-1: other size, -2: no canvas); status "${await statusText(page)}"; console: ${log.slice(-5).join(' | ')}`);
}

const FIRST = new Date(Date.UTC(2026, 10, 21, 12, 34, 56));
const SECOND = new Date(Date.UTC(2027, 2, 3, 4, 5, 6));

test('the server goes away and comes back on the same port: reconnecting with growing delays, the old picture kept, then the new one pixel-exact', async (t) => {
  const b = await chromiumReady(t);
  if (!b) return;
  const port = await freePort();
  const a = await startDemo(t, port, FIRST);
  const { page, log } = await openPage(t, b, port);
  await shows(page, log, a.frame, 'the first server\'s picture');
  const before = a.frame();

  await a.close();
  await waitUntil('the page to say it reconnects', async () => (await state(page)) === 'reconnecting', { timeoutMs: 10_000 });
  // The attempt and the delay, in words.
  assert.match((await seen(page)).find((s) => s.state === 'reconnecting')!.reason,
    /^The connection to ws:\/\/127\.0\.0\.1:\d+\/ was lost\. Reconnecting in 0\.[45] seconds \(attempt 1 of 20\)…$/);
  // Let a few attempts fail against the closed port.
  await waitUntil('attempt 3 to be planned', async () => (await seen(page)).some((s) => s.attempt === 3 && s.delayMs !== undefined), { timeoutMs: 10_000 });
  assert.equal(countDiff((await canvasImage(page))!, before), 0, 'the canvas keeps the last picture while reconnecting');
  assert.equal(await page.isVisible('#retry'), true, 'a "Retry now" button while waiting');

  const c = await startDemo(t, port, SECOND);
  assert.ok(countDiff(before, c.frame()) > 0, 'the second server shows another picture');
  await shows(page, log, c.frame, 'the second server\'s picture after reconnecting');
  assert.match(await statusText(page), /^Connected/);
  assert.equal(await page.isVisible('#retry'), false);
  assert.equal(c.linked, 1, 'one session with the new server');

  // The waits: one per attempt, each planned after the one before failed, doubling.
  const waits = (await seen(page)).filter((s) => s.state === 'reconnecting' && s.delayMs !== undefined);
  assert.deepEqual(waits.slice(0, 3).map((s) => s.attempt), [1, 2, 3]);
  waits.slice(0, 3).forEach((s, i) => {
    const base = 500 * 2 ** i;
    assert.ok(s.delayMs! >= base * 0.8 && s.delayMs! <= base, `attempt ${s.attempt} waited ${s.delayMs} ms (${base} less jitter)`);
  });
  assert.ok(waits.slice(1).every((s) => /^Cannot reach a SPICE server at ws:\/\/127\.0\.0\.1:\d+\/\. Reconnecting in /.test(s.reason)),
    `why each attempt failed: ${waits.map((s) => s.reason).join(' | ')}`);

  // Input goes to the new session.
  await page.click('canvas');
  await page.keyboard.press('KeyQ');
  await waitUntil('the key at the new server', () => c.keys.some((k) => k.code === 'KeyQ' && !k.down), { timeoutMs: 5000 });
  assert.deepEqual(log.filter((l) => /page error/.test(l)), []);
});

test('a server that comes back wanting a password is asked once: the prompt shows, no loop, the right password connects', async (t) => {
  const b = await chromiumReady(t);
  if (!b) return;
  const port = await freePort();
  const a = await startDemo(t, port, FIRST);
  const { page, log } = await openPage(t, b, port);
  await shows(page, log, a.frame, 'the first picture');
  await a.close();
  const locked = await startDemo(t, port, SECOND, 'secret');
  await waitUntil('the refusal to show', async () => (await state(page)) === 'disconnected', { timeoutMs: 10_000 })
    .catch(() => undefined);
  assert.equal(await statusText(page), 'The server needs a password.');
  assert.equal(await page.isVisible('#password'), true, 'the password prompt');
  // Longer than the next few delays together: nothing more is tried.
  await sleep(4000);
  assert.equal(locked.refused, 1, 'the server refused one link, not a loop of them');
  assert.equal(await state(page), 'disconnected');
  assert.deepEqual((await seen(page)).filter((s) => s.state === 'reconnecting').map((s) => s.attempt), [1, 1],
    'one planned attempt and the attempt itself');

  await page.fill('#password', 'secret');
  await page.press('#password', 'Enter');
  await shows(page, log, locked.frame, 'the picture after the password');
  assert.equal(locked.refused, 1);
});

test('Disconnect stops a waiting reconnection; ?reconnect=off never starts one', async (t) => {
  const b = await chromiumReady(t);
  if (!b) return;
  const port = await freePort();
  const a = await startDemo(t, port, FIRST);
  const { page, log } = await openPage(t, b, port);
  await shows(page, log, a.frame, 'the first picture');
  await a.close();
  await waitUntil('reconnecting', async () => (await state(page)) === 'reconnecting', { timeoutMs: 10_000 });
  await page.click('#toggle');
  assert.equal(await state(page), 'disconnected');
  const c = await startDemo(t, port, SECOND);
  await sleep(2500);
  assert.equal(c.linked, 0, 'no reconnection after Disconnect');
  assert.equal(await state(page), 'disconnected');
  await c.close();

  const port2 = await freePort();
  const d = await startDemo(t, port2, FIRST);
  const off = await openPage(t, b, port2, '&reconnect=off');
  await shows(off.page, off.log, d.frame, 'the picture (reconnect off)');
  await d.close();
  await waitUntil('the disconnect', async () => (await state(off.page)) === 'disconnected', { timeoutMs: 10_000 });
  assert.match(await statusText(off.page), /^The connection to ws:\/\/127\.0\.0\.1:\d+\/ was lost\.$/);
  assert.deepEqual((await seen(off.page)).filter((s) => s.state === 'reconnecting'), []);
});
