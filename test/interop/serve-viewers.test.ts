/**
 * `spice-ts serve` in the interactive reference viewers:
 * - remote-viewer (virt-viewer) full-screen on its own Xvfb shows the demo source
 *   pixel-exact, and what xdotool types into it reaches the source;
 * - spice-html5 (Debian's files, served by our own listener's HTTP handler) in headless
 *   Chromium, connected straight to our WebSocket on the SPICE port, draws the same picture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { needPeers, freePort, startXvfb, waitUntil, sleep, interopRequired, makePki } from '../harness/peers.js';
import { connect } from '../../src/client/node.js';
import { isSpiceError } from '../../src/protocol/errors.js';
import { LinkErr } from '../../src/protocol/enums/index.js';
import { rootImage } from '../harness/scene.js';
import type { XDisplay } from '../harness/x11.js';
import { serveDemo as serve, countDiff, findFrame } from '../harness/serve.js';
import { pngFromDataUrl } from '../helpers/png-decode.js';

const HTML5_DIR = '/usr/share/spice-html5';

test('remote-viewer (Xvfb) shows spice-ts serve pixel-exact, its keys reach the source, and resizing its window resizes the source', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'xdotool', 'import')) return;
  const s = await serve(t);
  const x = await startXvfb({ size: '1280x1024' });
  t.after(() => x.stop());
  x.run('remote-viewer', [`spice://127.0.0.1:${s.port}`]);
  let found: ReturnType<typeof findFrame>;
  const shows = async () => {
    if (s.server.viewers.size === 0) return false;
    found = findFrame(await rootImage(x), s.frame());
    return found?.diff === 0;
  };
  await waitUntil('remote-viewer to show the demo screen', shows, { timeoutMs: 20_000, intervalMs: 500 }).catch(() => undefined);
  assert.ok(found, 'the demo screen appears in remote-viewer\'s window');
  assert.equal(found.diff, 0, `remote-viewer's picture differs from the source in ${found.diff} pixels`);
  // Keys typed into remote-viewer arrive as scancodes and change the demo's text box.
  const before = s.frame();
  await x.exec('xdotool', ['mousemove', String(found.x + 700), String(found.y + 300), 'click', '1']);
  await x.exec('xdotool', ['type', '--delay', '30', 'Hi']);
  await waitUntil('keys to arrive', () => s.keys.filter((k) => k.down).length >= 3, { timeoutMs: 10_000 });
  const downs = s.keys.filter((k) => k.down).map((k) => k.code);
  assert.deepEqual(downs.filter((c) => c !== 'ShiftLeft' && c !== 'ShiftRight'), ['KeyH', 'KeyI']);
  assert.ok(downs.includes('ShiftLeft') || downs.includes('ShiftRight'), 'the capital H came with Shift');
  await sleep(300);
  assert.ok(countDiff(before, s.frame()) !== 0, 'the typed text changed the demo screen');
  await waitUntil('remote-viewer to show the typed text', shows, { timeoutMs: 10_000, intervalMs: 300 });
  // A smaller window: remote-viewer asks the "agent" for a smaller screen; the source follows.
  const win = (await x.exec('xdotool', ['search', '--name', 'spice://'])).stdout.trim().split('\n')[0]!;
  await x.exec('xdotool', ['windowsize', win, '900', '700']);
  await waitUntil('the source to take the new window size', () => s.frame().width < 1024 && s.frame().height < 768, { timeoutMs: 10_000 });
  const f = s.frame();
  assert.ok(f.width > 800 && f.width <= 900 && f.height > 550 && f.height <= 700, `new size ${f.width}x${f.height}`);
  await waitUntil('remote-viewer to show the resized screen', shows, { timeoutMs: 10_000, intervalMs: 300 });
});

/** Starts remote-viewer on its own Xvfb and waits until the source's frame shows in it, pixel-exact. */
async function remoteViewerShows(t: { after(fn: () => unknown): void }, s: Awaited<ReturnType<typeof serve>>,
  args: string[], what: string): Promise<XDisplay> {
  const x = await startXvfb({ size: '1280x1024' });
  t.after(() => x.stop());
  const rv = x.run('remote-viewer', args);
  let found: ReturnType<typeof findFrame>;
  await waitUntil(`${what} to show the demo screen`, async () => {
    if (s.server.viewers.size === 0) return false;
    found = findFrame(await rootImage(x), s.frame());
    return found?.diff === 0;
  }, { timeoutMs: 20_000, intervalMs: 500 }).catch(() => undefined);
  assert.ok(found, `the demo screen appears in ${what}'s window (viewers: ${s.server.viewers.size}); its log ends:\n${rv.logTail(10)}`);
  assert.equal(found.diff, 0, `${what}'s picture differs from the source in ${found.diff} pixels`);
  return x;
}

test('remote-viewer shows the demo source pixel-exact under every image compression', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'import')) return;
  for (const compression of ['auto_glz', 'auto_lz', 'quic', 'glz', 'lz', 'lz4', 'off'] as const) {
    const cleanups: (() => unknown)[] = [];
    try {
      const s = await serve({ after: (fn) => cleanups.push(fn) }, { imageCompression: compression });
      await remoteViewerShows({ after: (fn) => cleanups.push(fn) }, s, [`spice://127.0.0.1:${s.port}`], `remote-viewer (${compression})`);
      assert.ok(s.server.stats.codecs.size > 0 || compression === 'off', `${compression}: images were encoded`);
    } finally {
      for (const f of cleanups.reverse()) await f();
    }
  }
});

test('remote-viewer over TLS, checking the server against a CA (secure-channels=all), shows the source pixel-exact', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'import', 'openssl')) return;
  const pki = await makePki();
  t.after(() => pki.remove());
  const tlsPort = await freePort();
  const s = await serve(t, { secureChannels: ['all'], password: 'tlspw', disableTicketing: false }, { tlsPort, x509Dir: pki.dir });
  await remoteViewerShows(t, s, [`--spice-ca-file=${pki.caCert}`, '--spice-secure-channels=all',
    `spice://127.0.0.1?tls-port=${tlsPort}&password=tlspw`], 'remote-viewer (TLS)');
  const viewer = [...s.server.viewers.values()][0]!;
  assert.ok(viewer.transport.secure && viewer.display?.transport.secure, 'main and display came over TLS');
});

test('two remote-viewers at once both show the source pixel-exact, and both follow a change', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'import')) return;
  const s = await serve(t);
  const displays = await Promise.all([
    remoteViewerShows(t, s, [`spice://127.0.0.1:${s.port}`], 'remote-viewer 1'),
    remoteViewerShows(t, s, [`spice://127.0.0.1:${s.port}`], 'remote-viewer 2'),
  ]);
  assert.equal(s.server.viewers.size, 2, 'both stayed connected (spice-server would have kicked the first)');
  // A key typed at the source side changes the picture; both viewers follow.
  const before = s.frame();
  s.source.key!({ scancode: 0x23, down: true, code: 'KeyH' });
  s.source.key!({ scancode: 0xa3, down: false, code: 'KeyH' });
  await waitUntil('the source to change', () => countDiff(before, s.frame()) !== 0, { timeoutMs: 5000 });
  await Promise.all(displays.map((x, i) => waitUntil(`remote-viewer ${i + 1} to show the change`, async () =>
    findFrame(await rootImage(x), s.frame())?.diff === 0, { timeoutMs: 10_000, intervalMs: 300 })));
});

test('the demo text box scrolling goes as COPY_BITS, and remote-viewer stays pixel-exact', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'import')) return;
  const s = await serve(t);
  const x = await remoteViewerShows(t, s, [`spice://127.0.0.1:${s.port}`], 'remote-viewer');
  const before = s.server.stats.copyBits;
  const press = (scancode: number, code: string) => {
    s.source.key!({ scancode, down: true, code });
    s.source.key!({ scancode: scancode | 0x80, down: false, code });
  };
  // Enough lines to scroll the text box several times: a letter, then Enter.
  for (let i = 0; i < 30; i++) {
    press(0x1e + (i % 9), 'KeyA');
    press(0x1c, 'Enter');
    await sleep(20);
  }
  await waitUntil('the scroll to go out as COPY_BITS', () => s.server.stats.copyBits > before, { timeoutMs: 5000 });
  let diff = -3;
  await waitUntil('remote-viewer to show the scrolled text box', async () => {
    diff = findFrame(await rootImage(x), s.frame())?.diff ?? -3;
    return diff === 0;
  }, { timeoutMs: 10_000, intervalMs: 300 }).catch(() => undefined);
  assert.equal(diff, 0, `after ${s.server.stats.copyBits - before} COPY_BITS remote-viewer differs from the source in ${diff} pixels`);
});

async function staticHtml5(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^(\.\.[/\\])+/, '');
  const file = join(HTML5_DIR, path);
  if (!file.startsWith(HTML5_DIR) || !existsSync(file)) { res.writeHead(404).end(); return; }
  const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
  res.writeHead(200, { 'content-type': type }).end(await readFile(file));
}

for (const compression of ['auto_glz', 'quic', 'lz'] as const) {
  test(`spice-html5 in Chromium, straight to our WebSocket, shows the demo source pixel-exact (${compression})`, async (t) => {
    if (!needPeers(t, 'chromium')) return;
    if (!existsSync(join(HTML5_DIR, 'spice_auto.html'))) {
      if (interopRequired()) assert.fail(`spice-html5 is not installed (${HTML5_DIR})`);
      t.skip(`spice-html5 is not installed (${HTML5_DIR}); run scripts/install-peers.sh`);
      return;
    }
    const { chromium } = await import('playwright-core');
    const s = await serve(t, { imageCompression: compression }, { http: (req, res) => void staticHtml5(req, res) });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const log: string[] = [];
    page.on('console', (m) => log.push(m.text()));
    page.on('dialog', (d) => { log.push(`dialog: ${d.message()}`); void d.dismiss(); });
    await page.goto(`http://127.0.0.1:${s.port}/spice_auto.html?host=127.0.0.1&port=${s.port}`);
    let diff = -2;
    await waitUntil('spice-html5 to draw the demo screen', async () => {
      const url = await page.evaluate(() => {
        const c = document.getElementById('spice_surface_0') as HTMLCanvasElement | null;
        return c ? c.toDataURL('image/png') : null;
      });
      if (!url) return false;
      // spice-html5 asks the agent to fit the page (resize.js): the source may change size.
      const ref = s.frame();
      const png = pngFromDataUrl(url);
      const pixels = new Uint32Array(png.width * png.height);
      for (let i = 0; i < pixels.length; i++) {
        pixels[i] = (png.rgba[i * 4]! << 16) | (png.rgba[i * 4 + 1]! << 8) | png.rgba[i * 4 + 2]!;
      }
      diff = countDiff({ width: png.width, height: png.height, pixels }, ref);
      if (diff === -1) log.push(`canvas ${png.width}x${png.height}, source ${ref.width}x${ref.height}`);
      return diff === 0;
    }, { timeoutMs: 20_000, intervalMs: 500 }).catch(() => undefined);
    assert.equal(diff, 0, `spice-html5's canvas differs from the source in ${diff} pixels (-1: other size, -2: no canvas); console: ${log.slice(-5).join(' | ')}`);
  });
}

test('secure-channels=all: plain links get NEED_SECURED; a client checking the CA connects over TLS', async (t) => {
  if (!needPeers(t, 'openssl')) return;
  const pki = await makePki();
  t.after(() => pki.remove());
  const tlsPort = await freePort();
  const s = await serve(t, { secureChannels: ['all'], password: 'tlspw', disableTicketing: false }, { tlsPort, x509Dir: pki.dir });
  await assert.rejects(connect(`spice://127.0.0.1:${s.port}`, { password: 'tlspw', channels: ['display'] }),
    (e: unknown) => isSpiceError(e) && e.linkError === LinkErr.NEED_SECURED);
  const v = await connect(`spice://127.0.0.1?tls-port=${tlsPort}`, { password: 'tlspw', channels: ['display'], caFile: pki.caCert });
  t.after(() => v.close());
  await v.idle();
  const viewer = [...s.server.viewers.values()][0]!;
  assert.ok(viewer.transport.secure && viewer.display?.transport.secure, 'main and display came over TLS');
  await waitUntil('the picture over TLS', () => {
    const p = v.primary(0);
    return !!p && countDiff({ width: p.width, height: p.height, pixels: p.pixels }, s.frame()) === 0;
  }, { timeoutMs: 5000 });
});
