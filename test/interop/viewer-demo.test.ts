/**
 * spice-ts's own web viewer in headless Chromium (playwright-core), served by `spice-ts
 * serve`'s listener (viewerHttpHandler on the SPICE port) and connected back to it over
 * WebSocket, against the still demo source:
 * - the canvas equals the source's frame pixel for pixel under auto_glz (GLZ decoded in the
 *   browser), quic and lz4;
 * - keys typed in the page reach the source as scancodes (its typed text), held keys are
 *   released when the page loses focus, the Ctrl+Alt+Del button sends the three keys;
 * - clicks, the right button and the wheel land at the right surface coordinates, scaled to
 *   fit a small window and at 1:1;
 * - a missing and a wrong password are shown in words, and the right one connects.
 *
 * The bundle is built from the sources (scripts/bundle-viewer.mjs) into a temporary
 * directory, so the test always checks the current code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromiumReady, newPage, viewerBundle } from '../harness/browser.js';
import { waitUntil, freePort } from '../harness/peers.js';
import { serveDemo, countDiff, type ServedDemo, type Img } from '../harness/serve.js';
import { pngFromDataUrl } from '../helpers/png-decode.js';
import { viewerHttpHandler } from '../../src/server/web-files.js';
import type { DemoSource } from '../../src/server/sources/demo.js';
import type { PointerEvent as SourcePointer } from '../../src/server/source.js';
import type { ServerOptions } from '../../src/server/options.js';

const ready = (t: import('node:test').TestContext) => chromiumReady(t);

interface Setup {
  s: ServedDemo;
  source: DemoSource;
  page: Page;
  log: string[];
  pointer: SourcePointer[];
}

interface PageOptions {
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  query?: string;
}

async function open(t: import('node:test').TestContext, b: Browser, opts: Partial<ServerOptions> = {},
  { viewport = { width: 1280, height: 1000 }, deviceScaleFactor = 1, query = '' }: PageOptions = {}): Promise<Setup> {
  const s = await serveDemo(t, opts, { http: viewerHttpHandler(viewerBundle()) });
  const source = s.server.source as DemoSource;
  const pointer: SourcePointer[] = [];
  const orig = source.pointer!.bind(source);
  source.pointer = (e) => { pointer.push({ ...e }); orig(e); };
  const { page, log } = await newPage(t, b, { viewport, deviceScaleFactor });
  await page.goto(`http://127.0.0.1:${s.port}/${query}`);
  return { s, source, page, log, pointer };
}

async function canvasImage(page: Page): Promise<Img | undefined> {
  const url = await page.evaluate(() => {
    const c = document.querySelector('canvas');
    return c && c.width > 0 && c.height > 0 ? c.toDataURL('image/png') : null;
  });
  return url ? imgFromDataUrl(url) : undefined;
}

function imgFromDataUrl(url: string): Img {
  const png = pngFromDataUrl(url);
  const pixels = new Uint32Array(png.width * png.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (png.rgba[i * 4]! << 16) | (png.rgba[i * 4 + 1]! << 8) | png.rgba[i * 4 + 2]!;
  return { width: png.width, height: png.height, pixels };
}

/** Waits until the canvas equals the source's frame; fails with the last difference. */
async function showsFrame(x: Setup, what: string): Promise<void> {
  let diff = -2;
  await waitUntil(what, async () => {
    const img = await canvasImage(x.page);
    diff = img ? countDiff(img, x.s.frame()) : -2;
    return diff === 0;
  }, { timeoutMs: 15_000, intervalMs: 250 }).catch(() => undefined);
  const status = await statusText(x.page);
  assert.equal(diff, 0, `${what}: the canvas differs from the source in ${diff} pixels (-1: other size, -2: no canvas); status "${status}"; console: ${x.log.slice(-5).join(' | ')}`);
}

const statusText = (page: Page) => page.evaluate(() => document.getElementById('status')?.textContent ?? '');

/** Page coordinates of the centre of surface pixel (x, y). */
async function pagePoint(page: Page, x: number, y: number, size: { width: number; height: number }) {
  const r = await page.evaluate(() => {
    const b = document.querySelector('canvas')!.getBoundingClientRect();
    return { left: b.left, top: b.top, width: b.width, height: b.height };
  });
  return { x: r.left + (x + 0.5) * r.width / size.width, y: r.top + (y + 0.5) * r.height / size.height, box: r };
}

for (const compression of ['auto_glz', 'quic', 'lz4'] as const) {
  // quic also runs on a HiDPI screen at 1:1: one surface pixel per device pixel.
  const hidpi = compression === 'quic';
  test(`the web viewer shows the demo source pixel-exact (${compression}${hidpi ? ', devicePixelRatio 2, 1:1' : ''})`, async (t) => {
    const b = await ready(t);
    if (!b) return;
    const x = await open(t, b, { imageCompression: compression }, hidpi ? { deviceScaleFactor: 2, query: '?scale=none' } : {});
    await showsFrame(x, `the viewer to draw the demo screen (${compression})`);
    assert.match(await statusText(x.page), /^Connected/);
    const want = compression === 'auto_glz' ? 'glz' : compression;
    const used = [...x.s.server.stats.codecs.keys()];
    assert.ok(used.includes(want), `the server sent ${want} images (it used: ${used.join(', ')})`);
    const look = await x.page.evaluate(() => {
      const c = document.querySelector('canvas')!;
      return { cssWidth: c.getBoundingClientRect().width, cursor: c.style.cursor };
    });
    if (hidpi) assert.equal(look.cssWidth, x.s.frame().width / 2, 'at 1:1 on a 2x screen the canvas takes half as many CSS pixels');
    // The demo's arrow becomes the page's pointer over the canvas (client mouse mode).
    assert.match(look.cursor, /^url\("data:image\/png;base64,[^"]+"\) \d+ \d+, default$/);
    // The images were decoded in the viewer's worker (decode-worker.js, allowed by the page's CSP).
    const decoding = await x.page.evaluate(() => {
      const d = (window as unknown as { spiceViewer: { session?: { decoders?: { where?: string; decodedInWorker?: number } } } }).spiceViewer.session?.decoders;
      return { where: d?.where, inWorker: d?.decodedInWorker ?? 0 };
    });
    assert.equal(decoding.where, 'worker');
    assert.ok(decoding.inWorker > 0, `images decoded in the worker (${decoding.inWorker})`);
    const complaints = x.log.filter((l) => /Content Security Policy|Refused to|page error|spice-ts:/.test(l));
    assert.deepEqual(complaints, [], 'no CSP refusals, page errors or viewer errors');
  });
}

test('keys typed in the page reach the demo source as scancodes; held keys are released on blur; Ctrl+Alt+Del', async (t) => {
  const b = await ready(t);
  if (!b) return;
  const x = await open(t, b);
  await showsFrame(x, 'the first picture');
  const size = x.s.frame();
  const p = await pagePoint(x.page, 600, 400, size);
  await x.page.mouse.click(p.x, p.y);
  await x.page.keyboard.type('hello world');
  await x.page.keyboard.press('Shift+KeyA');
  await x.page.keyboard.press('Enter');
  await waitUntil('the typed text to reach the source', () => x.source.typedText() === 'hello worldA\n', { timeoutMs: 10_000 })
    .catch(() => undefined);
  assert.equal(x.source.typedText(), 'hello worldA\n');
  const downs = x.s.keys.filter((k) => k.down).map((k) => k.code);
  assert.deepEqual(downs.slice(0, 3), ['KeyH', 'KeyE', 'KeyL']);
  assert.ok(downs.includes('ShiftLeft') && downs.includes('Space') && downs.includes('Enter'), `keys: ${downs.join(' ')}`);
  await showsFrame(x, 'the typed text on the canvas');

  // A key held while the page loses focus is released in the guest.
  const before = x.s.keys.length;
  await x.page.keyboard.down('ControlRight');
  await waitUntil('Right Ctrl down', () => x.s.keys.slice(before).some((k) => k.code === 'ControlRight' && k.down), { timeoutMs: 5000 });
  await x.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await waitUntil('Right Ctrl released on blur', () => x.s.keys.slice(before).some((k) => k.code === 'ControlRight' && !k.down), { timeoutMs: 5000 });
  await x.page.keyboard.up('ControlRight');

  const mark = x.s.keys.length;
  await x.page.click('#cad');
  await waitUntil('Ctrl+Alt+Del to arrive', () => x.s.keys.length >= mark + 6, { timeoutMs: 5000 });
  assert.deepEqual(x.s.keys.slice(mark, mark + 6).map((k) => `${k.code}${k.down ? '+' : '-'}`),
    ['ControlLeft+', 'AltLeft+', 'Delete+', 'Delete-', 'AltLeft-', 'ControlLeft-']);
});

test('clicks and the wheel reach the source at surface coordinates, scaled to fit and at 1:1', async (t) => {
  const b = await ready(t);
  if (!b) return;
  const x = await open(t, b, {}, { viewport: { width: 800, height: 600 }, query: '?scale=fit' });
  await showsFrame(x, 'the first picture in a small window');
  const size = x.s.frame();
  const fit = await pagePoint(x.page, 700, 300, size);
  assert.ok(fit.box.width < size.width * 0.8, `the canvas is scaled down to fit (${fit.box.width} CSS px for ${size.width})`);
  await x.page.mouse.click(fit.x, fit.y);
  await waitUntil('the left click', () => x.pointer.some((e) => e.buttons & 1), { timeoutMs: 5000 });
  const left = x.pointer.find((e) => e.buttons & 1)!;
  assert.ok(Math.abs(left.x - 700) <= 1 && Math.abs(left.y - 300) <= 1, `left click at ${left.x},${left.y}, wanted 700,300`);
  const r = await pagePoint(x.page, 100, 650, size);
  await x.page.mouse.click(r.x, r.y, { button: 'right' });
  await waitUntil('the right click', () => x.pointer.some((e) => e.buttons & 4), { timeoutMs: 5000 });
  const right = x.pointer.find((e) => e.buttons & 4)!;
  assert.ok(Math.abs(right.x - 100) <= 1 && Math.abs(right.y - 650) <= 1, `right click at ${right.x},${right.y}, wanted 100,650`);
  await x.page.mouse.wheel(0, 200);
  await waitUntil('two wheel clicks down', () => x.pointer.filter((e) => e.wheel === 1).length >= 2, { timeoutMs: 5000 });

  // 1:1: one surface pixel per CSS pixel here (deviceScaleFactor 1), on whole pixels, scrolling.
  await x.page.selectOption('#scale', 'none');
  const one = await pagePoint(x.page, 150, 120, size);
  assert.equal(one.box.width, size.width, 'at 1:1 the canvas is as wide as the surface');
  const whole = (v: number) => Math.abs(v - Math.round(v)) < 1e-3;
  assert.ok(whole(one.box.left) && whole(one.box.top), `the canvas sits on whole pixels (${one.box.left}, ${one.box.top})`);
  assert.ok(await x.page.evaluate(() => document.querySelector('.spice-screen')!.scrollHeight > document.querySelector('.spice-screen')!.clientHeight),
    'the screen scrolls');
  x.pointer.length = 0;
  await x.page.mouse.click(one.x, one.y);
  await waitUntil('the click at 1:1', () => x.pointer.some((e) => e.buttons & 1), { timeoutMs: 5000 });
  const exact = x.pointer.find((e) => e.buttons & 1)!;
  assert.deepEqual([exact.x, exact.y], [150, 120]);
  await showsFrame(x, 'the click marks on the canvas');
});

test('a missing and a wrong password are shown in words; the right one connects', async (t) => {
  const b = await ready(t);
  if (!b) return;
  const x = await open(t, b, { password: 'secret', disableTicketing: false });
  await waitUntil('the password prompt', async () => (await statusText(x.page)) === 'The server needs a password.', { timeoutMs: 10_000 })
    .catch(() => undefined);
  assert.equal(await statusText(x.page), 'The server needs a password.');
  assert.equal(await x.page.isVisible('#password'), true, 'the password field is shown');
  await x.page.fill('#password', 'wrong');
  await x.page.press('#password', 'Enter');
  await waitUntil('the refusal', async () => (await statusText(x.page)) === 'The server refused the password.', { timeoutMs: 10_000 })
    .catch(() => undefined);
  assert.equal(await statusText(x.page), 'The server refused the password.');
  await x.page.fill('#password', 'secret');
  await x.page.press('#password', 'Enter');
  await showsFrame(x, 'the picture after the right password');
  assert.match(await statusText(x.page), /^Connected/);
  assert.equal(await x.page.isVisible('#password'), false, 'the prompt is gone');
  // The server going away is shown too, and the page tries again (viewer-demo-reconnect tests the rest).
  await x.s.server.close();
  await waitUntil('the disconnect to show', async () => /closed/.test(await statusText(x.page)), { timeoutMs: 5000 }).catch(() => undefined);
  assert.match(await statusText(x.page), /^The server closed the connection\. Reconnecting in /);
  assert.equal(await x.page.evaluate(() => document.getElementById('status')!.dataset.state), 'reconnecting');
});

test('server mouse mode: the first click takes Pointer Lock, then relative motion moves the source pointer', async (t) => {
  const b = await ready(t);
  if (!b) return;
  const x = await open(t, b, {}, { query: '?mouse=server' });
  await showsFrame(x, 'the first picture');
  assert.equal(await x.page.evaluate(() => (window as unknown as { spiceViewer: { session: { mouseMode: string } } }).spiceViewer.session.mouseMode), 'server');
  await x.page.mouse.click(400, 400);
  await waitUntil('Pointer Lock', () => x.page.evaluate(() => document.pointerLockElement?.tagName === 'CANVAS'), { timeoutMs: 5000 });
  assert.equal(x.pointer.filter((e) => e.buttons).length, 0, 'the click that took the lock did not reach the guest');
  const start = x.pointer.at(-1) ?? { x: 0, y: 0 };
  await x.page.mouse.move(400 + 25, 400 + 35);
  await x.page.mouse.down();
  await x.page.mouse.up();
  await waitUntil('the click under Pointer Lock', () => x.pointer.some((e) => e.buttons & 1), { timeoutMs: 5000 });
  const click = x.pointer.find((e) => e.buttons & 1)!;
  assert.deepEqual([click.x - start.x, click.y - start.y], [25, 35], `moved from ${start.x},${start.y} to ${click.x},${click.y}`);
  // The server draws the pointer: the viewer shows its shape as an overlay.
  assert.equal(await x.page.evaluate(() => (document.querySelector('.spice-cursor') as HTMLElement).style.display), 'block');
});

test('the <spice-viewer> element from the library bundle connects and draws pixel-exact', async (t) => {
  const b = await ready(t);
  if (!b) return;
  const x = await open(t, b, {}, { query: '?url=ws://127.0.0.1:1/' });
  const url = `ws://127.0.0.1:${x.s.port}/`;
  const status = await x.page.evaluate(async (u) => {
    await import('/spice-viewer.js' as string);
    document.body.replaceChildren();
    const el = document.createElement('spice-viewer');
    el.style.width = '1100px';
    el.style.height = '800px';
    const states: string[] = [];
    el.addEventListener('spice-status', (e) => states.push((e as CustomEvent<{ state: string }>).detail.state));
    el.setAttribute('url', u);
    document.body.append(el);
    for (let i = 0; i < 100 && !states.includes('connected'); i++) await new Promise((r) => setTimeout(r, 50));
    return states;
  }, url);
  assert.deepEqual(status.slice(0, 2), ['connecting', 'connected']);
  let diff = -2;
  await waitUntil('the element to draw the demo screen', async () => {
    const data = await x.page.evaluate(() => {
      const c = document.querySelector('spice-viewer')!.shadowRoot!.querySelector('canvas')!;
      return c.width ? c.toDataURL('image/png') : null;
    });
    if (!data) return false;
    diff = countDiff(imgFromDataUrl(data), x.s.frame());
    return diff === 0;
  }, { timeoutMs: 15_000, intervalMs: 250 }).catch(() => undefined);
  assert.equal(diff, 0, `the element's canvas differs in ${diff} pixels`);
});

test('`spice-ts serve` (what npm start runs) serves the viewer at the address it prints, and the page shows the demo', async (t) => {
  const b = await ready(t);
  if (!b) return;
  if (!existsSync('dist/viewer/app.js')) assert.fail('dist/viewer is not built: npm run build (npm test builds it)');
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/spice-ts', 'serve', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { child.kill(); });
  let printed = '';
  child.stdout.on('data', (d: Buffer) => { printed += d.toString(); });
  await waitUntil('serve to print its addresses', () => /http:\/\/\S+\//.test(printed), { timeoutMs: 10_000 });
  const address = /http:\/\/\S+\//.exec(printed)![0];
  assert.equal(address, `http://127.0.0.1:${port}/`);
  const { page } = await newPage(t, b, { viewport: { width: 1280, height: 1000 } });
  await page.goto(address);
  let img: Img | undefined;
  // The server plays the guest agent, so the page asks for a screen of its own size.
  await waitUntil('the page to draw the demo at the page size', async () => {
    img = await canvasImage(page);
    return !!img && img.width > 1024 && img.width <= 1280 && img.height > 768 && img.height <= 1000 &&
      new Set(img.pixels.subarray(0, img.width * 200)).size > 10;
  }, { timeoutMs: 15_000, intervalMs: 250 }).catch(() => undefined);
  assert.ok(img, `no canvas; status "${await statusText(page)}"`);
  assert.ok(img.width > 1024 && img.height > 768, `the demo took the page size (1280x1000 viewport): ${img.width}x${img.height}`);
  const status = await statusText(page);
  assert.match(status, /connected/i);
  assert.doesNotMatch(status, /disconnected|refused|cannot|error/i);
});
