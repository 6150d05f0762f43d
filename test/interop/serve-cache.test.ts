/**
 * The server's pixmap cache and JPEG as spice-gtk sees them.
 *
 * - remote-viewer (Xvfb) with a small --spice-cache-size against a source whose pictures
 *   repeat: after every step its window equals the source (pixel-exact where the pictures
 *   are drawn, within a JPEG tolerance where they are photos), with cache hits (FROM_CACHE,
 *   and FROM_CACHE_LOSSLESS since JPEG is on), lossy hits and evictions (INVAL_LIST).
 *   spicy-screenshot cannot show hits: it saves the screen at the first draw.
 * - spicy-screenshot with the cache on (the first screen goes with CACHE_ME after an
 *   INVAL_ALL_PIXMAPS) is pixel-exact; with jpeg=always on a photo-like source it is
 *   within a small tolerance of the source, and the server sent JPEG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, startXvfb, waitUntil, makeTempDir, removeTempDir } from '../harness/peers.js';
import { rootImage } from '../harness/scene.js';
import { findFrame, type Img } from '../harness/serve.js';
import { decodePnm } from '../../src/cli/image-pnm.js';
import { createServer, type SpiceServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { ServerOptions } from '../../src/server/options.js';
import { PaintSource, drawn, photo } from '../harness/paint-source.js';


// ------------------------------------------------------------------ plumbing

const W = 480, H = 360;
const WIN = { x: 40, y: 40, w: 160, h: 120 };
const PHOTO = { x: 240, y: 100, w: 160, h: 120 };
const TILE = 48;
const TILE_SPOTS = [[260, 30], [400, 230], [30, 250], [300, 290]] as const;
/** JPEG q85 against the source (ours measures max 11, mean 1.6 on these photos). */
const TOLERANCE = { max: 40, mean: 3 };

async function serveSource(t: { after(fn: () => unknown): void }, source: PaintSource, opts: Partial<ServerOptions>):
  Promise<{ server: SpiceServer; port: number }> {
  const server = createServer({ source, disableTicketing: true, crypto: nodeTicketCrypto, ...opts });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  return { server, port: l.addresses.port! };
}

function spicyScreenshot(port: number, file: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(port), '-o', file], { timeout: 30_000 },
      (e, _out, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr: String(stderr) }));
  });
}

interface Rect { x: number; y: number; w: number; h: number }

/**
 * Compares the source with the screen at (ox, oy): pixels outside `lossy` must be equal;
 * inside, the largest and mean channel difference.
 */
function compare(screen: Img, src: Img, ox: number, oy: number, lossy?: Rect): { diff: number; max: number; mean: number } {
  let diff = 0, max = 0, sum = 0, n = 0;
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const a = screen.pixels[(oy + y) * screen.width + ox + x]!, b = src.pixels[y * src.width + x]!;
      if (lossy && x >= lossy.x && x < lossy.x + lossy.w && y >= lossy.y && y < lossy.y + lossy.h) {
        for (let sh = 0; sh <= 16; sh += 8) {
          const d = Math.abs(((a >>> sh) & 255) - ((b >>> sh) & 255));
          if (d > max) max = d;
          sum += d;
        }
        n += 3;
      } else if (((a ^ b) & 0xffffff) !== 0) {
        diff++;
      }
    }
  }
  return { diff, max, mean: n ? sum / n : 0 };
}

// ------------------------------------------------------------------ tests

test('remote-viewer (spice-gtk) with a small image cache: repeated pictures come from its cache, evictions included, and the picture stays right', async (t) => {
  if (!needPeers(t, 'remote-viewer', 'Xvfb', 'import')) return;
  const source = new PaintSource(W, H, drawn(1, W, H));
  const { server, port } = await serveSource(t, source, { jpeg: 'always' });
  const x = await startXvfb({ size: '800x600' });
  t.after(() => x.stop());
  // Room for about 2.3 window pictures (spice-gtk announces its byte size / 4 as pixels).
  const cacheBytes = Math.floor(2.3 * WIN.w * WIN.h) * 4;
  x.run('remote-viewer', [`--spice-cache-size=${cacheBytes}`, `spice://127.0.0.1:${port}`]);
  let at: ReturnType<typeof findFrame>;
  await waitUntil('remote-viewer to show the first screen', async () => {
    if (server.viewers.size === 0) return false;
    at = findFrame(await rootImage(x), source.img());
    return at?.diff === 0;
  }, { timeoutMs: 20_000, intervalMs: 400 }).catch(() => undefined);
  assert.ok(at && at.diff === 0, `the first screen appears exactly in remote-viewer (${JSON.stringify(at)})`);
  const { x: ox, y: oy } = at;
  let photoShown = false;
  const step = async (what: string) => {
    const src = source.img();
    let last = { diff: -1, max: 0, mean: 0 };
    await waitUntil(`remote-viewer to show ${what}`, async () => {
      last = compare(await rootImage(x), src, ox, oy, photoShown ? PHOTO : undefined);
      return last.diff === 0 && last.max <= TOLERANCE.max && last.mean <= TOLERANCE.mean;
    }, { timeoutMs: 10_000, intervalMs: 250 }).catch(() => undefined);
    assert.equal(last.diff, 0, `${what}: ${last.diff} pixels differ outside the photo`);
    assert.ok(last.max <= TOLERANCE.max && last.mean <= TOLERANCE.mean, `${what}: photo max ${last.max}, mean ${last.mean.toFixed(2)}`);
  };
  const pics = [1, 2, 3].map((n) => drawn(100 + n, WIN.w, WIN.h));
  for (const n of [0, 1, 0, 1, 0, 2, 0, 1]) {
    source.paint(pics[n]!, WIN.x, WIN.y, WIN.w, WIN.h);
    await step(`window picture ${n + 1}`);
  }
  const tile = drawn(999, TILE, TILE);
  for (const [tx, ty] of TILE_SPOTS) {
    source.paint(tile, tx, ty, TILE, TILE);
    await step(`the tile at ${tx},${ty}`);
  }
  const photos = [photo(11, PHOTO.w, PHOTO.h), photo(12, PHOTO.w, PHOTO.h)];
  photoShown = true;
  for (const n of [0, 1, 0, 1]) {
    source.paint(photos[n]!, PHOTO.x, PHOTO.y, PHOTO.w, PHOTO.h);
    await step(`photo ${n + 1}`);
  }
  const k = server.stats.cache;
  t.diagnostic(`cache: ${JSON.stringify(k)}; jpeg: ${JSON.stringify(server.stats.codecs.get('jpeg'))}`);
  // Window pictures 1,2,1,2,1,3,1,2 with room for two: 4 hits (3 evicts 2, then 2 evicts 3);
  // the tile 3 hits; the photos 2 lossy hits.
  assert.equal(k.hits, 9, `spice-gtk took FROM_CACHE images: ${JSON.stringify(k)}`);
  assert.ok(k.evicted > 0, `entries were evicted (INVAL_LIST): ${JSON.stringify(k)}`);
  assert.ok((server.stats.codecs.get('jpeg')?.images ?? 0) >= 2, 'the photos went as JPEG');
  assert.equal(server.viewers.size, 1, 'remote-viewer is still connected');
});

test('spicy-screenshot with the image cache on shows the source pixel-exact', async (t) => {
  if (!needPeers(t, 'spicy-screenshot')) return;
  const source = new PaintSource(W, H, drawn(2, W, H));
  const { server, port } = await serveSource(t, source, {});
  const dir = makeTempDir('serve-cache');
  t.after(() => removeTempDir(dir));
  const file = join(dir, 'shot.ppm');
  const r = await spicyScreenshot(port, file);
  assert.equal(r.code, 0, `spicy-screenshot failed: ${r.stderr}`);
  const shot = decodePnm(new Uint8Array(readFileSync(file)));
  assert.equal(`${shot.width}x${shot.height}`, `${W}x${H}`);
  assert.equal(compare(shot, source.img(), 0, 0).diff, 0, 'pixels differ');
  assert.ok(server.stats.cache.stored >= 1, `the screen went with CACHE_ME: ${JSON.stringify(server.stats.cache)}`);
});

test('spicy-screenshot with jpeg=always on a photo-like source is within a small tolerance, and JPEG was sent', async (t) => {
  if (!needPeers(t, 'spicy-screenshot')) return;
  const source = new PaintSource(W, H, photo(5, W, H));
  const { server, port } = await serveSource(t, source, { jpeg: 'always' });
  const dir = makeTempDir('serve-jpeg');
  t.after(() => removeTempDir(dir));
  const file = join(dir, 'shot.ppm');
  const r = await spicyScreenshot(port, file);
  assert.equal(r.code, 0, `spicy-screenshot failed: ${r.stderr}`);
  const shot = decodePnm(new Uint8Array(readFileSync(file)));
  assert.equal(`${shot.width}x${shot.height}`, `${W}x${H}`);
  const c = compare(shot, source.img(), 0, 0, { x: 0, y: 0, w: W, h: H });
  t.diagnostic(`spice-gtk's picture vs the source: max channel delta ${c.max}, mean ${c.mean.toFixed(3)}`);
  assert.ok(c.max <= TOLERANCE.max && c.mean <= TOLERANCE.mean, `max ${c.max}, mean ${c.mean.toFixed(2)}`);
  assert.ok((server.stats.codecs.get('jpeg')?.images ?? 0) >= 1, `codecs: ${[...server.stats.codecs.keys()].join(', ')}`);
});
