/**
 * Several monitors in the web viewer, in headless Chromium (playwright-core), connected
 * straight to the servers' plain ports over WebSocket (spice-server takes it there):
 * - Xspice with two heads (qxl-1 1280x720 right of qxl-0 1024x768, one 2304x768 surface):
 *   with ?monitor=1 the canvas equals head 1's part of the X framebuffer (`import -window
 *   root`) pixel for pixel; a click in the page lands at head 1's X coordinates (xdotool
 *   getmouselocation); the monitor menu lists both heads and "All monitors"; choosing
 *   monitor 0 shows head 0 exactly and clicks land on it;
 * - QEMU with two QXL devices: the viewer lists two monitors (one per display channel),
 *   monitor 0 equals QEMU's `screendump` pixel for pixel, and monitor 1 (a device SeaBIOS
 *   never sets up) shows nothing.
 *
 * The bundle is built from the sources (or SPICE_TEST_VIEWER_DIR, see test/harness/browser.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { canvasImage, canvasMatches, chromiumReady, newPage, serveViewerFiles, statusText } from '../harness/browser.js';
import { startXspice, startQemu, waitUntil, makeTempDir, removeTempDir, sleep, type XspicePeer } from '../harness/peers.js';
import { settledRoot, sameImage } from '../harness/scene.js';
import { decodePnm, type RgbaImage } from '../../src/cli/image-files.js';

type Ctx = import('node:test').TestContext;

async function openViewer(t: Ctx, b: Browser, spicePort: number, query: string): Promise<{ page: Page; log: string[] }> {
  const url = await serveViewerFiles(t);
  const { page, log } = await newPage(t, b, { viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${url}?url=${encodeURIComponent(`ws://127.0.0.1:${spicePort}/`)}&scale=none${query}`);
  await waitUntil('the viewer to connect', async () => /^Connected/.test(await statusText(page)), { timeoutMs: 20_000 })
    .catch(async () => assert.fail(`not connected: "${await statusText(page)}"; console: ${log.slice(-5).join(' | ')}`));
  return { page, log };
}


function crop(img: RgbaImage, x: number, y: number, w: number, h: number): RgbaImage {
  const pixels = new Uint32Array(w * h);
  for (let r = 0; r < h; r++) pixels.set(img.pixels.subarray((y + r) * img.width + x, (y + r) * img.width + x + w), r * w);
  return { width: w, height: h, pixels };
}


interface PageMonitor { id: number; display: number; head?: number; rect: { x: number; y: number; width: number; height: number } }

const viewerMonitors = (page: Page) => page.evaluate(() =>
  (window as unknown as { spiceViewer: { monitors: PageMonitor[] } }).spiceViewer.monitors.map((m) => ({ ...m, rect: { ...m.rect } })));

/** Page coordinates of the centre of canvas pixel (x, y). */
async function pagePoint(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const r = await page.evaluate(() => {
    const c = document.querySelector('canvas')!;
    const b = c.getBoundingClientRect();
    return { left: b.left, top: b.top, width: b.width, height: b.height, cw: c.width, ch: c.height };
  });
  return { x: r.left + (x + 0.5) * r.width / r.cw, y: r.top + (y + 0.5) * r.height / r.ch };
}

async function pointerAt(x: XspicePeer): Promise<string> {
  const out = (await x.exec('xdotool', ['getmouselocation']).catch(() => ({ stdout: '' }))).stdout;
  const m = /x:(\d+) y:(\d+)/.exec(out);
  return m ? `${m[1]},${m[2]}` : `? (${out.trim()})`;
}

/** Clicks canvas pixel (px, py) and waits until X's pointer is at (wantX, wantY). */
async function clickLands(page: Page, x: XspicePeer, px: number, py: number, wantX: number, wantY: number, what: string): Promise<void> {
  const p = await pagePoint(page, px, py);
  await page.mouse.click(p.x, p.y);
  let at = '';
  await waitUntil(what, async () => (at = await pointerAt(x)) === `${wantX},${wantY}`, { timeoutMs: 5000 }).catch(() => undefined);
  assert.equal(at, `${wantX},${wantY}`, `${what}: X's pointer is at ${at}`);
}

test('Xspice with two heads: monitor 1 alone on the canvas, pixel-exact; clicks land on it; switching to monitor 0', async (t) => {
  const b = await chromiumReady(t, 'Xspice', 'xrandr', 'import', 'xdotool', 'xlogo', 'xsetroot');
  if (!b) return;
  const x = await startXspice({ demo: false, driverOptions: { NumHeads: '2' } });
  t.after(() => x.stop());
  await x.exec('xrandr', ['--addmode', 'qxl-1', '1280x720']);
  await x.exec('xrandr', ['--output', 'qxl-1', '--mode', '1280x720', '--right-of', 'qxl-0']);
  await x.exec('xsetroot', ['-solid', '#204060']);
  // Static clients (xeyes would follow the pointer): one on each head, one across the edge.
  x.run('xlogo', ['-geometry', '300x300+1300+100', '-fg', 'darkred', '-bg', 'ivory']);
  x.run('xlogo', ['-geometry', '200x200+100+100', '-fg', 'navy', '-bg', 'khaki']);
  x.run('xlogo', ['-geometry', '240x160+900+500']);
  const root = await settledRoot(x);
  assert.equal(root.width, 1024 + 1280, 'X has both monitors side by side');

  const { page, log } = await openViewer(t, b, x.port, '&monitor=1');
  await canvasMatches(page, log, 'the canvas to show head 1 exactly', async () => [crop(await settledRoot(x, 200), 1024, 0, 1280, 720)]);
  assert.deepEqual(await viewerMonitors(page), [
    { id: 0, display: 0, head: 0, rect: { x: 0, y: 0, width: 1024, height: 768 }, displayId: 0 },
    { id: 1, display: 0, head: 1, rect: { x: 1024, y: 0, width: 1280, height: 720 }, displayId: 1 },
  ]);
  const menu = await page.evaluate(() => {
    const s = document.getElementById('monitor') as HTMLSelectElement;
    return { hidden: s.hidden, value: s.value, options: Array.from(s.options).map((o) => `${o.value}=${o.text}`) };
  });
  assert.deepEqual(menu, { hidden: false, value: '1', options: ['=All monitors', '0=Monitor 0 (1024×768)', '1=Monitor 1 (1280×720)'] });

  // Client mouse mode (Xspice's tablet): canvas pixel (300, 200) of head 1 is X's (1324, 200).
  assert.equal(await page.evaluate(() => (window as unknown as { spiceViewer: { session: { mouseMode: string } } }).spiceViewer.session.mouseMode), 'client');
  await clickLands(page, x, 300, 200, 1324, 200, 'a click on head 1');
  await clickLands(page, x, 1279, 719, 2303, 719, 'a click in head 1\'s bottom-right pixel');

  // The menu switches to head 0: its picture, its clicks, and the page address follows.
  await page.selectOption('#monitor', '0');
  await canvasMatches(page, log, 'the canvas to show head 0 exactly', async () => [crop(await settledRoot(x, 200), 0, 0, 1024, 768)]);
  assert.match(await page.evaluate(() => location.search), /[?&]monitor=0(&|$)/);
  await clickLands(page, x, 150, 40, 150, 40, 'a click on head 0');
  // "All monitors": the whole surface, both heads.
  await page.selectOption('#monitor', '');
  await canvasMatches(page, log, 'the canvas to show the whole X screen', async () => [await settledRoot(x, 200)]);
  await clickLands(page, x, 1100, 30, 1100, 30, 'a click on head 1 with both shown (1:1, within the window)');
  assert.deepEqual(log.filter((l) => /page error|spice-ts:/.test(l)), [], 'no page or viewer errors');
});

let dumps = 0;
async function screendump(q: Awaited<ReturnType<typeof startQemu>>, dir: string): Promise<RgbaImage> {
  const f = join(dir, `dump-${dumps++}.ppm`);
  await q.screendump(f);
  return decodePnm(new Uint8Array(readFileSync(f)));
}

test('QEMU with two QXL devices: two monitors listed, monitor 0 pixel-exact with screendump, monitor 1 empty', async (t) => {
  const b = await chromiumReady(t, 'qemu-system-x86_64');
  if (!b) return;
  const q = await startQemu({ extraArgs: ['-device', 'qxl'] });
  const dir = makeTempDir('viewer-2qxl');
  t.after(async () => { await q.stop(); removeTempDir(dir); });
  // Booted to SeaBIOS's "No bootable device" screen (the text cursor blinks: either phase counts).
  let last: RgbaImage | undefined;
  for (let i = 0; i < 30; i++) {
    const img = await screendump(q, dir);
    if (last && sameImage(last, img)) break;
    last = img;
    await sleep(300);
  }
  const { page, log } = await openViewer(t, b, q.port, '&monitor=0');
  await canvasMatches(page, log, 'monitor 0 to equal the screendump', async () => [await screendump(q, dir)]);
  let monitors: PageMonitor[] = [];
  await waitUntil('two monitors', async () => (monitors = await viewerMonitors(page)).length === 2, { timeoutMs: 10_000 }).catch(() => undefined);
  assert.deepEqual(monitors.map((m) => [m.id, m.display]), [[0, 0], [1, 1]], `monitors: ${JSON.stringify(monitors)}`);
  const canvas = await canvasImage(page);
  assert.deepEqual([monitors[0]!.rect.width, monitors[0]!.rect.height], [canvas!.width, canvas!.height], 'monitor 0 is the canvas\'s size');
  assert.deepEqual([monitors[1]!.rect.width, monitors[1]!.rect.height], [0, 0], 'the second device has no picture');
  const menu = await page.evaluate(() => {
    const s = document.getElementById('monitor') as HTMLSelectElement;
    return { hidden: s.hidden, options: Array.from(s.options).map((o) => o.value) };
  });
  assert.deepEqual(menu, { hidden: false, options: ['0', '1'] }, 'one entry per display channel, no "All"');
  await page.selectOption('#monitor', '1');
  await waitUntil('monitor 1 to show nothing', async () => (await canvasImage(page)) === undefined, { timeoutMs: 5000 })
    .catch(() => assert.fail('the canvas still shows a picture on monitor 1'));
  assert.equal(await page.evaluate(() => (window as unknown as { spiceViewer: { displayId: number } }).spiceViewer.displayId), 1);
  await page.selectOption('#monitor', '0');
  await canvasMatches(page, log, 'monitor 0 again', async () => [await screendump(q, dir)]);
  assert.deepEqual(log.filter((l) => /page error|spice-ts:/.test(l)), [], 'no page or viewer errors');
});
