/**
 * `spice-ts serve --source x11` exporting an Xvfb running real X clients:
 * - spicy-screenshot's picture equals `import -window root` of the exported display under
 *   every image-compression setting, and so does remote-viewer's;
 * - through remote-viewer (on its own Xvfb, driven by xdotool): typed keys reach an xterm,
 *   clicks land where sent, resizing the window resizes the exported screen (RandR), and
 *   clipboard text crosses both ways.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, freePort, startXvfb, waitUntil, sleep, type XDisplay } from '../harness/peers.js';
import { settledRoot, rootImage, diffImages } from '../harness/scene.js';
import { makeTempDir, removeTempDir } from '../harness/proc.js';
import { decodePnm } from '../../src/cli/image-pnm.js';
import { findFrame } from '../harness/serve.js';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createX11Source } from '../../src/server/sources/x11/source.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { ServerOptions } from '../../src/server/options.js';

async function exportDisplay(t: { after(fn: () => unknown): void }, x: XDisplay, opts: Partial<ServerOptions> = {}) {
  const source = createX11Source(x.display);
  const keys: number[] = [];
  const key = source.key!.bind(source);
  source.key = (e) => { keys.push(e.scancode); key(e); };
  const server = createServer({ source, disableTicketing: true, crypto: nodeTicketCrypto, ...opts });
  await server.start();
  const port = await freePort();
  const l = await listen(server, { listen: `127.0.0.1:${port}` });
  t.after(() => l.close());
  return { server, port, keys };
}

/** A still scene: coloured root, an xterm with coloured text, xlogo. */
async function stillScene(x: XDisplay): Promise<void> {
  await x.exec('xsetroot', ['-solid', 'steelblue']);
  x.run('xterm', ['-geometry', '70x20+30+30', '-fa', 'Monospace', '-fs', '11', '-e', 'sh', '-c',
    "printf '\\033[31mred \\033[32mgreen \\033[34mblue\\033[0m plain\\n'; for i in 1 2 3 4 5 6; do echo line $i; done; sleep 600"]);
  x.run('xlogo', ['-geometry', '200x200+600+300']);
  await waitUntil('the X clients to map', async () => {
    const out = await x.exec('xdotool', ['search', '--onlyvisible', '--name', '.']).catch(() => ({ stdout: '' }));
    return out.stdout.trim().split('\n').filter(Boolean).length >= 2;
  }, { timeoutMs: 20_000 });
}

function spicyScreenshot(port: number, file: string): Promise<void> {
  return new Promise((resolve, reject) => execFile('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(port), '-o', file],
    { timeout: 30_000 }, (e, _o, err) => (e ? reject(new Error(`spicy-screenshot: ${e.message} ${err}`)) : resolve())));
}

test('spicy-screenshot of `serve --source x11` equals import -window root, under every image compression', async (t) => {
  if (!needPeers(t, 'spicy-screenshot', 'Xvfb', 'xterm', 'xlogo', 'xdotool', 'import')) return;
  const x = await startXvfb({ size: '1024x768' });
  t.after(() => x.stop());
  await stillScene(x);
  const root = await settledRoot(x);
  const dir = makeTempDir('serve-x11');
  t.after(() => removeTempDir(dir));
  for (const compression of ['auto_glz', 'auto_lz', 'quic', 'glz', 'lz', 'lz4', 'off'] as const) {
    const { port, server } = await exportDisplay(t, x, { imageCompression: compression });
    const file = join(dir, `${compression}.ppm`);
    await spicyScreenshot(port, file);
    const shot = decodePnm(new Uint8Array(readFileSync(file)));
    const d = diffImages(shot, root);
    assert.equal(d.count, 0, `${compression}: ${d.count} pixels differ (max ${d.maxDelta}), first ${JSON.stringify(d.first)}`);
    assert.ok(server.stats.codecs.size > 0, `${compression}: images were encoded`);
  }
});

test('remote-viewer shows `serve --source x11` pixel-exact (import -window root), under every image compression', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'xterm', 'xlogo', 'xdotool', 'import')) return;
  const x = await startXvfb({ size: '1024x768' });
  t.after(() => x.stop());
  await stillScene(x);
  const root = await settledRoot(x);
  for (const compression of ['auto_glz', 'auto_lz', 'quic', 'glz', 'lz', 'lz4', 'off'] as const) {
    const { port, server } = await exportDisplay(t, x, { imageCompression: compression });
    const viewer = await startXvfb({ size: '1280x1024' });
    try {
      viewer.run('remote-viewer', [`spice://127.0.0.1:${port}`]);
      let found: ReturnType<typeof findFrame>;
      await waitUntil(`remote-viewer (${compression}) to show the exported screen`, async () => {
        if (server.viewers.size === 0) return false;
        found = findFrame(await rootImage(viewer), root);
        return found?.diff === 0;
      }, { timeoutMs: 20_000, intervalMs: 400 }).catch(() => undefined);
      assert.ok(found, `${compression}: the exported screen appears in remote-viewer`);
      assert.equal(found.diff, 0, `${compression}: remote-viewer differs from import -window root in ${found.diff} pixels`);
    } finally {
      await viewer.stop();
    }
  }
});

test('through remote-viewer: keys reach an xterm, clicks land, a window resize resizes the X screen, clipboard both ways', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'xterm', 'xdotool', 'import', 'xclip', 'xdpyinfo')) return;
  const exported = await startXvfb({ size: '1024x768' });
  t.after(() => exported.stop());
  const viewer = await startXvfb({ size: '1400x1100' });
  t.after(() => viewer.stop());
  const dir = makeTempDir('serve-x11-rv');
  t.after(() => removeTempDir(dir));
  const typed = join(dir, 'typed.txt');
  await exported.exec('xsetroot', ['-solid', 'darkslategray']);
  exported.run('xterm', ['-geometry', '60x10+0+0', '-e', 'sh', '-c', `cat > ${typed}`]);
  await waitUntil('the xterm', async () => (await exported.exec('xdotool', ['search', '--onlyvisible', '--class', 'xterm']).catch(() => ({ stdout: '' }))).stdout.trim() !== '', { timeoutMs: 20_000 });
  const { port, server, keys } = await exportDisplay(t, exported);
  viewer.run('remote-viewer', [`spice://127.0.0.1:${port}`]);
  let at: { x: number; y: number } | undefined;
  await waitUntil('remote-viewer to show the exported screen', async () => {
    if (server.viewers.size === 0) return false;
    at = findFrame(await rootImage(viewer), await rootImage(exported));
    return at !== undefined;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  // Keys: focus the xterm on the exported display (click in it through remote-viewer), type.
  await viewer.exec('xdotool', ['mousemove', String(at!.x + 100), String(at!.y + 60), 'click', '1']);
  const where = (await exported.exec('xdotool', ['getmouselocation'])).stdout;
  assert.match(where, /x:100 y:60 /, `the click landed at the sent position (${where.trim()})`);
  // (xdotool types "\n" as Linefeed, a keysym the keyboard lacks: press Return itself.)
  await viewer.exec('xdotool', ['type', '--delay', '40', 'Hello, SPICE! 123']);
  await viewer.exec('xdotool', ['key', 'Return']);
  await waitUntil('the xterm to receive the text', () => existsSync(typed) && readFileSync(typed, 'utf8').includes('\n'), { timeoutMs: 15_000 })
    .catch(async (e: Error) => { if (process.env.SPICE_DEBUG) await exported.exec('import', ['-window', 'root', '/tmp/exported-fail.png']); throw new Error(`${e.message}; ${keys.length} key events reached the source; file: ${existsSync(typed) ? JSON.stringify(readFileSync(typed, 'utf8')) : 'none'}`); });
  assert.equal(readFileSync(typed, 'utf8'), 'Hello, SPICE! 123\n');
  // Clipboard, viewer -> exported display.
  await viewer.exec('sh', ['-c', "printf 'from the viewer' | xclip -selection clipboard -loops 3"]).catch(() => undefined);
  await waitUntil('the viewer clipboard on the exported display', async () =>
    (await exported.exec('xclip', ['-o', '-selection', 'clipboard'], 3000).catch(() => ({ stdout: '' }))).stdout === 'from the viewer',
  { timeoutMs: 15_000, intervalMs: 500 });
  // Clipboard, exported display -> viewer.
  await exported.exec('sh', ['-c', "printf 'from the X display' | xclip -selection clipboard -loops 3"]).catch(() => undefined);
  await waitUntil('the exported clipboard in the viewer', async () =>
    (await viewer.exec('xclip', ['-o', '-selection', 'clipboard'], 3000).catch(() => ({ stdout: '' }))).stdout === 'from the X display',
  { timeoutMs: 15_000, intervalMs: 500 });
  // Resize: a smaller remote-viewer window asks for a smaller screen; RandR follows.
  const win = (await viewer.exec('xdotool', ['search', '--name', 'spice://'])).stdout.trim().split('\n')[0]!;
  await viewer.exec('xdotool', ['windowsize', win, '800', '600']);
  await waitUntil('the exported screen to shrink', async () => {
    const info = (await exported.exec('xdpyinfo')).stdout;
    const m = /dimensions:\s+(\d+)x(\d+)/.exec(info);
    return !!m && Number(m[1]) <= 800 && Number(m[2]) <= 600;
  }, { timeoutMs: 15_000, intervalMs: 500 });
  await sleep(200);
});
