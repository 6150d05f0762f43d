/**
 * The x11 source reading an Xvfb's framebuffer file (Xvfb -fbdir) instead of GetImage:
 * found by itself, pixel-exact with `import -window root` while an xterm scrolls (the scroll
 * search reads the file too), seen pixel-exact by spicy-screenshot through `serve`, left for
 * GetImage when the screen is resized or when the file given does not hold the screen, and
 * not used when turned off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, freePort, startXvfb, waitUntil, sleep, type XDisplay } from '../harness/peers.js';
import { settledRoot, diffImages } from '../harness/scene.js';
import { decodePnm, type RgbaImage } from '../../src/cli/image-files.js';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createX11Source, type X11DisplaySource, type X11SourceOptions } from '../../src/server/sources/x11/source.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { SourceRect, SourceSink } from '../../src/server/source.js';

interface Started { src: X11DisplaySource; logs: string[]; damage: SourceRect[]; moves: number; errors: Error[] }

async function startSource(t: { after(fn: () => unknown): void }, x: XDisplay, opts: X11SourceOptions = {}): Promise<Started> {
  const s: Started = { src: createX11Source(x.display, { log: (m) => s.logs.push(m), pointerPollMs: 0, ...opts }), logs: [], damage: [], moves: 0, errors: [] };
  const sink: SourceSink = {
    damage: (r) => s.damage.push(...r),
    move: (r) => { if (r.width > 0 && r.height > 0) s.moves++; },
    resized: () => {},
    cursor: () => {},
    pointer: () => {},
    clipboard: () => {},
    error: (e) => s.errors.push(e),
  };
  await s.src.start(sink);
  t.after(() => s.src.stop());
  return s;
}

const frameImage = (src: X11DisplaySource): RgbaImage => {
  const f = src.frame();
  const pixels = new Uint32Array(f.width * f.height);
  for (let y = 0; y < f.height; y++) pixels.set(f.pixels.subarray(y * f.stride, y * f.stride + f.width), y * f.width);
  return { width: f.width, height: f.height, pixels };
};

/** Brings the frame up to date with the damage reported so far and compares it with the root window. */
async function assertFrameIsRoot(s: Started, root: RgbaImage, what: string): Promise<void> {
  await s.src.capture!(s.damage.splice(0));
  const d = diffImages(frameImage(s.src), root);
  assert.equal(d.count, 0, `${what}: ${d.count} pixels differ (first ${JSON.stringify(d.first)})`);
}

test('x11 source: reads the framebuffer file of an Xvfb started with -fbdir, pixel-exact while an xterm scrolls', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xterm', 'xsetroot', 'xdotool', 'import')) return;
  const x = await startXvfb({ size: '1024x768', fbdir: true });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', '#2f4f4f']);
  const s = await startSource(t, x);
  assert.match(s.src.framebufferFile ?? '', /\/Xvfb_screen0$/, `found the file (log: ${s.logs.join('; ')})`);
  assert.ok(s.logs.some((l) => l.startsWith('x11: reading pixels from ')), 'says so');
  const getImagesAtStart = s.src.scrollStats.getImages, fileReadsAtStart = s.src.scrollStats.fileReads;
  // An xterm printing lines scrolls its text (CopyArea): damage the scroll search reads from the file.
  x.run('xterm', ['-geometry', '80x30+20+20', '-bg', 'black', '-fg', 'grey90', '-e', 'sh', '-c',
    "i=0; while [ $i -lt 120 ]; do i=$((i+1)); printf '\\033[3%dmline %d of the scrolling text\\033[0m\\n' $((i % 7 + 1)) $i; sleep 0.02; done; sleep 600"]);
  await waitUntil('the xterm to scroll', () => s.moves >= 5, { timeoutMs: 20_000 });
  await sleep(3000);
  const root = await settledRoot(x);
  await sleep(200);
  await assertFrameIsRoot(s, root, 'after the scrolling');
  assert.ok(s.src.scrollStats.searched > 0 && s.src.scrollStats.moves >= 5, `the scroll search ran on the file's pixels (${JSON.stringify(s.src.scrollStats)})`);
  assert.equal(s.src.framebufferFile !== undefined, true, 'still reading the file');
  const st = s.src.scrollStats;
  assert.ok(st.fileReads > fileReadsAtStart && st.filePixels >= st.fileReads, `pixels counted as read from the file (${JSON.stringify(st)})`);
  assert.equal(st.getImages, getImagesAtStart, 'no GetImage once the file is read');
  assert.deepEqual(s.errors, []);
});

test('x11 source: the framebuffer file is left for GetImage when the screen is resized', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xsetroot', 'import')) return;
  const x = await startXvfb({ size: '1024x768', fbdir: true });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', 'darkred']);
  const s = await startSource(t, x);
  assert.ok(s.src.framebufferFile, 'reads the file at first');
  s.src.resizeRequest!(800, 600);
  await waitUntil('the resize', () => s.src.frame().width === 800 && s.src.frame().height === 600, { timeoutMs: 10_000 });
  assert.equal(s.src.framebufferFile, undefined, 'no longer reads the file');
  assert.ok(s.logs.some((l) => /no longer reading .*the screen was resized/.test(l)), `says why (${s.logs.join('; ')})`);
  await x.exec('xsetroot', ['-solid', 'navy']);
  await sleep(500);
  await assertFrameIsRoot(s, await settledRoot(x), 'after the resize, by GetImage');
  assert.deepEqual(s.errors, []);
});

test('x11 source: a framebuffer file that does not hold the screen is not used, nor one turned off', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xsetroot', 'import')) return;
  const x = await startXvfb({ size: '640x480', fbdir: true });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', 'olive']);
  // A well-formed XWD file of the right size whose pixels are not the screen's.
  const fake = join(x.dir, 'fake-screen');
  const head = new Uint8Array(100 + 8);
  const dv = new DataView(head.buffer);
  [108, 7, 2, 24, 640, 480, 0, 0, 32, 0, 32, 32, 2560, 4, 0xff0000, 0xff00, 0xff, 8, 0, 0, 640, 480, 0, 0, 0].forEach((v, i) => dv.setUint32(i * 4, v));
  const file = new Uint8Array(head.length + 2560 * 480).fill(0x5a);
  file.set(head);
  writeFileSync(fake, file);
  const wrong = await startSource(t, x, { framebuffer: fake });
  assert.equal(wrong.src.framebufferFile, undefined, 'the fake file is not read');
  assert.ok(wrong.logs.some((l) => l.includes('does not hold what the X server shows')), `says so (${wrong.logs.join('; ')})`);
  const root = await settledRoot(x);
  await assertFrameIsRoot(wrong, root, 'with the fake file given');
  const off = await startSource(t, x, { framebuffer: false });
  assert.equal(off.src.framebufferFile, undefined, 'framebuffer: false');
  assert.ok(off.src.scrollStats.fileReads === 0 && off.src.scrollStats.getImagePixels >= 640 * 480, `read by GetImage (${JSON.stringify(off.src.scrollStats)})`);
  const missing = await startSource(t, x, { framebuffer: join(x.dir, 'no-such-file') });
  assert.equal(missing.src.framebufferFile, undefined, 'a missing file');
  assert.ok(missing.logs.some((l) => l.startsWith('x11: not reading ')), `says so (${missing.logs.join('; ')})`);
});

test('spicy-screenshot of `serve --source x11` reading Xvfb\'s framebuffer file equals import -window root', async (t) => {
  if (!needPeers(t, 'spicy-screenshot', 'Xvfb', 'xterm', 'xlogo', 'xsetroot', 'xdotool', 'import')) return;
  const x = await startXvfb({ size: '1024x768', fbdir: true });
  t.after(() => x.stop());
  await x.exec('xsetroot', ['-solid', 'steelblue']);
  x.run('xlogo', ['-geometry', '200x200+600+300']);
  const source = createX11Source(x.display);
  const server = createServer({ source, disableTicketing: true, crypto: nodeTicketCrypto, imageCompression: 'auto_glz' });
  await server.start();
  assert.ok(source.framebufferFile, 'serve reads the framebuffer file');
  const port = await freePort();
  const l = await listen(server, { listen: `127.0.0.1:${port}` });
  t.after(() => l.close());
  x.run('xterm', ['-geometry', '70x20+30+30', '-e', 'sh', '-c', "for i in $(seq 1 60); do echo \"line $i\"; sleep 0.01; done; sleep 600"]);
  await sleep(1500);
  const root = await settledRoot(x);
  await sleep(300);
  const file = join(x.dir, 'shot.ppm');
  await new Promise<void>((resolve, reject) => execFile('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(port), '-o', file],
    { timeout: 30_000 }, (e, _o, err) => (e ? reject(new Error(`spicy-screenshot: ${e.message} ${err}`)) : resolve())));
  const d = diffImages(decodePnm(new Uint8Array(readFileSync(file))), root);
  assert.equal(d.count, 0, `${d.count} pixels differ (max ${d.maxDelta}), first ${JSON.stringify(d.first)}`);
});
