/**
 * Lossy compression: with JPEG (and ZLIB-GLZ) forced, what spice-ts shows
 * after live updates stays within a stated tolerance of spicy-screenshot's
 * picture of the same state (spicy-screenshot receives the initial,
 * lossless picture, so it equals the X framebuffer), and spice-ts really
 * did decode JPEG images on the way.
 *
 * Tolerance: JPEG at spice-server's quality changes photo pixels by small
 * amounts; we require every differing pixel to lie inside the photo's
 * window, the mean absolute channel error over the photo to stay below 4,
 * and no channel to be off by more than 48 (measured: mean 2.2, max 16).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, startXspice } from '../harness/peers.js';
import { sleep } from '../harness/proc.js';
import { settledRoot, startScene, PHOTO_RECT } from '../harness/scene.js';
import { decodePnm } from '../../src/cli/image-files.js';
import { connect } from '../../src/client/node.js';
import { defaultDecoders } from '../../src/codecs/index.js';

test('JPEG-compressed live updates stay within tolerance of spicy-screenshot (Xspice, jpeg-wan-compression=always)', async (t) => {
  if (!needPeers(t, 'Xspice', 'spicy-screenshot', 'xterm', 'xdotool', 'convert')) return;
  const x = await startXspice({
    demo: false,
    driverOptions: { SpiceImageCompression: 'auto_glz', SpiceJpegWanCompression: 'always', SpiceZlibGlzWanCompression: 'always' },
  });
  t.after(() => x.stop());
  const counts = { jpeg: 0, zlibGlz: 0 };
  const session = await connect(`spice://127.0.0.1:${x.port}`, {
    channels: ['display'],
    mouseMode: 'keep',
    decoders: (shared) => {
      const d = defaultDecoders({ glzWindowPixels: shared.glzWindowPixels });
      return {
        ...d,
        jpeg: (data: Uint8Array) => { counts.jpeg++; return d.jpeg!(data); },
        zlibGlz: (n: number, data: Uint8Array) => { counts.zlibGlz++; return d.zlibGlz!(n, data); },
      };
    },
  });
  t.after(() => session.close());
  session.on('channel-down', (e) => t.diagnostic(`channel down: ${e.name} ${e.error?.describe() ?? ''}`));
  await new Promise<void>((resolve) => { if (session.displays.get(0)?.marked) resolve(); else session.once('mark', () => resolve()); });
  await startScene(x); // drawn while we are connected: live updates, lossy where the server chooses
  await settledRoot(x);
  await sleep(500);
  await session.idle();
  // Copy our picture first: the server drops our session when spicy-screenshot connects.
  const primary = session.primary(0);
  assert.ok(primary, 'spice-ts has a primary surface');
  const ours = { width: primary.width, height: primary.height, pixels: primary.pixels.slice() };
  session.close();
  const file = join(x.dir, 'spicy.ppm');
  await new Promise<void>((resolve, reject) => execFile('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(x.port), '-o', file], { timeout: 30_000 }, (e) => (e ? reject(e) : resolve())));
  const ref = decodePnm(new Uint8Array(readFileSync(file)));
  assert.equal(ours.width, ref.width);
  assert.equal(ours.height, ref.height);
  assert.ok(counts.jpeg > 0, 'the server sent JPEG images (else this test checks nothing lossy)');
  let outside = 0, maxDelta = 0, sum = 0;
  const r = PHOTO_RECT;
  for (let y = 0; y < ref.height; y++) {
    for (let xx = 0; xx < ref.width; xx++) {
      const p = ours.pixels[y * ref.width + xx]!, q = ref.pixels[y * ref.width + xx]!;
      const inPhoto = xx >= r.left && xx < r.right && y >= r.top && y < r.bottom;
      let d = 0;
      for (const s of [0, 8, 16]) {
        const c = Math.abs(((p >>> s) & 255) - ((q >>> s) & 255));
        d = Math.max(d, c);
        if (inPhoto) sum += c;
      }
      if (d && !inPhoto) outside++;
      maxDelta = Math.max(maxDelta, d);
    }
  }
  const mean = sum / ((r.right - r.left) * (r.bottom - r.top) * 3);
  t.diagnostic(`JPEG images ${counts.jpeg}, ZLIB-GLZ images ${counts.zlibGlz}; photo mean error ${mean.toFixed(2)}, max ${maxDelta}; ${outside} differing pixels outside the photo`);
  assert.equal(outside, 0, 'pixels outside the photo window are exact');
  assert.ok(mean < 4, `mean error over the photo ${mean.toFixed(2)} < 4`);
  assert.ok(maxDelta <= 48, `largest channel error ${maxDelta} <= 48`);
});
