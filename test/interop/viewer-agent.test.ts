/**
 * The guest agent from the client side, against `spice-ts serve --source x11` (in-process)
 * exporting an Xvfb:
 * - the web viewer in headless Chromium (clipboard permissions granted): text copied in X
 *   (xclip) lands on the page's clipboard, text on the page's clipboard reaches X when the
 *   viewer gets the focus, and resizing the page resizes the X screen (RandR) to the
 *   viewer's size in device pixels ('resize' is the page's default with an agent);
 * - `spice-ts clipboard get|set` reading and writing the X clipboard.
 *
 * Xvfb's RandR only shrinks below the size it started with, so it starts large.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { chromiumReady, newPage, viewerBundle } from '../harness/browser.js';
import { needPeers, freePort, startXvfb, waitUntil, type XDisplay } from '../harness/peers.js';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createX11Source } from '../../src/server/sources/x11/source.js';
import { viewerHttpHandler } from '../../src/server/web-files.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { main } from '../../src/cli/main.js';

type Ctx = import('node:test').TestContext;

const ready = (t: import('node:test').TestContext) => chromiumReady(t, 'Xvfb', 'xclip', 'xdpyinfo');

/** `spice-ts serve --source x11` for display `x`, in-process, with the viewer on its port. */
async function serveX11(t: Ctx, x: XDisplay, http?: ReturnType<typeof viewerHttpHandler>) {
  const source = createX11Source(x.display);
  const logs: string[] = [];
  const server = createServer({ source, disableTicketing: true, crypto: nodeTicketCrypto, log: (l) => logs.push(l) });
  await server.start();
  const port = await freePort();
  const l = await listen(server, { listen: `127.0.0.1:${port}`, ...(http ? { http } : {}) });
  t.after(() => l.close());
  return { server, port, logs };
}

async function screenSize(x: XDisplay): Promise<string> {
  const m = /dimensions:\s+(\d+x\d+)/.exec((await x.exec('xdpyinfo')).stdout);
  return m ? m[1]! : '?';
}

const xClipboard = async (x: XDisplay) => (await x.exec('xclip', ['-o', '-selection', 'clipboard'], 3000).catch(() => ({ stdout: '' }))).stdout;

/** Puts `text` on X's clipboard (xclip stays in the background for a few pastes). */
async function xCopy(x: XDisplay, text: string): Promise<void> {
  const quoted = `'${text.replace(/'/g, "'\\''")}'`;
  await x.exec('sh', ['-c', `printf '%s' ${quoted} | xclip -selection clipboard -loops 5 >/dev/null 2>&1`]).catch(() => undefined);
}

/** The viewer's screen element size in device pixels, as the page would ask the guest for. */
const wantedSize = (page: Page) => page.evaluate(() => {
  const s = document.querySelector('.spice-screen') as HTMLElement;
  return `${Math.floor(s.clientWidth * devicePixelRatio)}x${Math.floor(s.clientHeight * devicePixelRatio)}`;
});

test('web viewer: clipboard both ways with X through the agent, and the page size becomes the X screen size', async (t) => {
  const b = await ready(t);
  if (!b) return;
  const x = await startXvfb({ size: '1600x1200' });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', 'darkslategray']);
  const { server, port, logs } = await serveX11(t, x, viewerHttpHandler(viewerBundle()));
  const origin = `http://127.0.0.1:${port}`;
  const { page, log: pageLog } = await newPage(t, b, { viewport: { width: 1000, height: 700 }, deviceScaleFactor: 1 },
    (context) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin }));
  await page.goto(`${origin}/`);
  const why = () => `console: ${pageLog.slice(-5).join(' | ')}; server: ${logs.slice(-5).join(' | ')}`;

  // Resize: with an agent and no scale chosen, the page asks for its own size.
  await waitUntil('the page to switch to resize mode', async () => (await page.inputValue('#scale')) === 'resize', { timeoutMs: 15_000 })
    .catch(() => assert.fail(`the scale menu did not switch to 'resize'; ${why()}`));
  let want = await wantedSize(page);
  await waitUntil(`the X screen to become ${want}`, async () => (await screenSize(x)) === want, { timeoutMs: 15_000, intervalMs: 300 })
    .catch(async () => assert.fail(`X screen ${await screenSize(x)}, wanted ${want}; ${why()}`));
  await page.setViewportSize({ width: 820, height: 610 });
  want = await wantedSize(page);
  assert.notEqual(want, '1000x700');
  await waitUntil(`the X screen to follow to ${want}`, async () => (await screenSize(x)) === want, { timeoutMs: 15_000, intervalMs: 300 })
    .catch(async () => assert.fail(`X screen ${await screenSize(x)} after the page resize, wanted ${want}; ${why()}`));
  // The canvas shows the new screen 1:1.
  await waitUntil('the canvas to take the new size', async () =>
    (await page.evaluate(() => { const c = document.querySelector('canvas')!; return `${c.width}x${c.height}`; })) === want, { timeoutMs: 10_000 });

  // X -> page clipboard.
  const fromX = 'copied in X: Grüße ✓';
  await xCopy(x, fromX);
  await waitUntil('the X text on the page clipboard', async () =>
    (await page.evaluate(() => navigator.clipboard.readText().catch(() => ''))) === fromX, { timeoutMs: 15_000, intervalMs: 300 })
    .catch(async () => assert.fail(`page clipboard: ${JSON.stringify(await page.evaluate(() => navigator.clipboard.readText().catch((e) => String(e))))}; ${why()}`));
  assert.equal(await page.inputValue('#clipboard-text'), fromX, 'the clipboard menu holds the text too');

  // Page -> X clipboard: written in the page, sent when the viewer gets the focus.
  const fromPage = 'from the page: naïve café 東京';
  await page.evaluate(async (text) => {
    await navigator.clipboard.writeText(text);
    const c = document.querySelector('canvas')!;
    c.blur();
    c.focus();
  }, fromPage);
  await waitUntil('the page text on the X clipboard', async () => (await xClipboard(x)) === fromPage, { timeoutMs: 15_000, intervalMs: 300 })
    .catch(async () => assert.fail(`X clipboard: ${JSON.stringify(await xClipboard(x))}; ${why()}`));
  // The fallback field sends what is typed into it.
  await page.click('#clipboard');
  await page.fill('#clipboard-text', 'typed in the field');
  await page.click('#clipboard-send');
  await waitUntil('the field text on the X clipboard', async () => (await xClipboard(x)) === 'typed in the field', { timeoutMs: 15_000, intervalMs: 300 });
  assert.equal(server.viewers.size, 1);
  assert.deepEqual(pageLog.filter((l) => /page error|spice-ts:/.test(l)), [], 'no page errors or viewer errors');
});

test('`spice-ts clipboard set` and `get` against serve --source x11 (xclip on the X side)', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xclip')) return;
  const x = await startXvfb({ size: '1024x768' });
  t.after(() => x.stop());
  const { port } = await serveX11(t, x);
  const target = `spice://127.0.0.1:${port}`;
  const run = async (...args: string[]) => {
    let out = '';
    let err = '';
    const code = await main(['clipboard', ...args, '--timeout', '10'], (s) => { out += s; }, (s) => { err += s; });
    return { code, out, err };
  };

  const set = await run('set', target, 'set by the CLI ✓\nline 2');
  assert.equal(set.code, 0, `set: ${set.err}`);
  await waitUntil('the CLI text on the X clipboard', async () => (await xClipboard(x)) === 'set by the CLI ✓\nline 2', { timeoutMs: 10_000, intervalMs: 300 })
    .catch(async () => assert.fail(`X clipboard: ${JSON.stringify(await xClipboard(x))}`));

  await xCopy(x, 'copied in X for get — ü');
  await waitUntil('xclip to own the clipboard', async () => (await xClipboard(x)) === 'copied in X for get — ü', { timeoutMs: 5000 });
  let got = { code: -1, out: '', err: '' };
  // The source notices the new owner asynchronously: ask until it has.
  await waitUntil('clipboard get to print the X text', async () => {
    got = await run('get', target);
    return got.out === 'copied in X for get — ü';
  }, { timeoutMs: 15_000, intervalMs: 500 }).catch(() => undefined);
  assert.equal(got.out, 'copied in X for get — ü', `get printed ${JSON.stringify(got.out)} (exit ${got.code}, ${got.err})`);
  assert.equal(got.code, 0);

  const usage = await run('get');
  assert.equal(usage.code, 2, 'a missing target is a usage error');
});
