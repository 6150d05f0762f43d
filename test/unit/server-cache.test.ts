/**
 * The server's pixmap cache and JPEG, over loopback with spice-ts's own client: a source
 * whose pictures repeat (a window flipping between pictures, one tile drawn at several
 * places) reaches the viewer pixel-exact through FROM_CACHE, costs fewer bytes than
 * without the cache, and stays exact when a tiny viewer cache forces evictions (our client
 * throws on a FROM_CACHE of an id it dropped or on going over its announced size). JPEG
 * on a photo-like source stays within a small tolerance; lossy cache entries are replaced
 * by lossless ones when the viewer stops accepting lossy images.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type SpiceServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { connect } from '../../src/client/node.js';
import type { SpiceSession } from '../../src/client/session.js';
import { ImageCompression } from '../../src/protocol/enums/index.js';
import type { SpiceError } from '../../src/protocol/errors.js';
import { displayImageSettings, SERVER_DEFAULTS, type ServerOptions } from '../../src/server/options.js';
import { ErrorCode, isSpiceError } from '../../src/protocol/errors.js';
import { PixmapCacheModel, rectKey } from '../../src/server/display/image-cache.js';
import { until } from '../helpers/pair.js';
import { PaintSource, drawn, photo } from '../harness/paint-source.js';

// ------------------------------------------------------------------ plumbing

const W = 480, H = 360;
const WIN = { x: 40, y: 40, w: 160, h: 120 };
const TILE = 48;

interface Setup { server: SpiceServer; source: PaintSource; viewer: SpiceSession; errors: SpiceError[] }

async function setup(t: { after(fn: () => unknown): void }, opts: Partial<ServerOptions>, viewerOpts: Parameters<typeof connect>[1] = {},
  background = drawn(1, W, H)): Promise<Setup> {
  const source = new PaintSource(W, H, background);
  const server = createServer({ source, disableTicketing: true, crypto: nodeTicketCrypto, ...opts });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  const viewer = await connect(`spice://127.0.0.1:${l.addresses.port}`, { channels: ['display'], ...viewerOpts });
  t.after(() => viewer.close());
  const errors: SpiceError[] = [];
  viewer.on('error', (e) => errors.push(e));
  viewer.on('channel-down', ({ error }) => { if (error) errors.push(error); });
  return { server, source, viewer, errors };
}

/** Pixels whose RGB differ between the viewer's screen and the source. */
function diffCount(s: Setup): number {
  const p = s.viewer.primary(0);
  if (!p || p.width !== W || p.height !== H) return -1;
  let d = 0;
  for (let i = 0; i < W * H; i++) if (((p.pixels[i]! ^ s.source.pixels[i]!) & 0xffffff) !== 0) d++;
  return d;
}

/** Largest channel difference and mean absolute channel difference. */
function closeness(s: Setup): { max: number; mean: number } {
  const p = s.viewer.primary(0)!;
  let max = 0, sum = 0;
  for (let i = 0; i < W * H; i++) {
    const a = p.pixels[i]!, b = s.source.pixels[i]!;
    for (let sh = 0; sh <= 16; sh += 8) {
      const d = Math.abs(((a >>> sh) & 255) - ((b >>> sh) & 255));
      if (d > max) max = d;
      sum += d;
    }
  }
  return { max, mean: sum / (W * H * 3) };
}

/** Waits until the viewer shows the source exactly (and has not failed). */
async function exact(s: Setup, what: string): Promise<void> {
  try {
    await until(() => s.errors.length > 0 || diffCount(s) === 0, 5000);
  } catch {
    assert.fail(`${what}: the viewer still differs in ${diffCount(s)} pixels`);
  }
  assert.deepEqual(s.errors.map((e) => e.message), [], `${what}: the viewer failed`);
}

/** Waits until the server has sent nothing for a while and the viewer handled everything. */
async function settled(s: Setup): Promise<void> {
  let last = -1, quiet = 0;
  for (let i = 0; i < 250 && quiet < 3; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = s.server.stats.messages;
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  await s.viewer.idle();
}

/** The window flips between these pictures; then one tile is drawn at four places. */
const WINDOW_SEQUENCE = [1, 2, 1, 2, 1, 3, 1];
const TILE_SPOTS = [[260, 30], [400, 200], [30, 250], [300, 290]] as const;

/**
 * Paints the sequence, checking that the viewer is exact after every step; returns the
 * display bytes sent for the steps (after the first screen).
 */
async function runScenario(s: Setup): Promise<number> {
  const pics = new Map<number, Uint32Array>();
  const pic = (n: number) => pics.get(n) ?? pics.set(n, drawn(100 + n, WIN.w, WIN.h)).get(n)!;
  await exact(s, 'first picture');
  const before = s.server.stats.wireBytes;
  for (const [i, n] of WINDOW_SEQUENCE.entries()) {
    s.source.paint(pic(n), WIN.x, WIN.y, WIN.w, WIN.h);
    await exact(s, `window step ${i} (picture ${n})`);
  }
  const tile = drawn(999, TILE, TILE);
  for (const [x, y] of TILE_SPOTS) {
    s.source.paint(tile, x, y, TILE, TILE);
    await exact(s, `tile at ${x},${y}`);
  }
  return s.server.stats.wireBytes - before;
}

type DisplayInternals = { pixmapCache: PixmapCacheModel | null };

// ------------------------------------------------------------------ the cache model

test('rectKey: same pixels anywhere give the same key; one pixel or the shape changes it', () => {
  const w = 64, h = 40, stride = 200;
  const buf = new Uint32Array(stride * 120);
  const pic = drawn(7, w, h);
  const put = (x: number, y: number) => { for (let r = 0; r < h; r++) buf.set(pic.subarray(r * w, r * w + w), (y + r) * stride + x); };
  put(3, 5);
  put(120, 70);
  const k1 = rectKey({ pixels: buf, stride, x: 3, y: 5, width: w, height: h });
  assert.equal(rectKey({ pixels: buf, stride, x: 120, y: 70, width: w, height: h }), k1, 'same pixels elsewhere');
  assert.equal(rectKey({ pixels: pic, stride: w, x: 0, y: 0, width: w, height: h }), k1, 'same pixels in a tight buffer');
  // Alpha is not shown, so it does not count.
  const alpha = pic.map((p) => p & 0x00ffffff);
  assert.equal(rectKey({ pixels: alpha, stride: w, x: 0, y: 0, width: w, height: h }), k1, 'alpha ignored');
  // Every single-pixel change (each position, low bit of each channel) changes the key.
  const seen = new Set([k1]);
  const one = pic.slice();
  for (let i = 0; i < one.length; i += 7) {
    for (const bit of [1, 0x100, 0x10000]) {
      one[i] ^= bit;
      const k = rectKey({ pixels: one, stride: w, x: 0, y: 0, width: w, height: h });
      assert.ok(!seen.has(k), `pixel ${i} bit ${bit.toString(16)} gives a new key`);
      seen.add(k);
      one[i] ^= bit;
    }
  }
  // The same words read as another shape.
  assert.notEqual(rectKey({ pixels: pic, stride: 32, x: 0, y: 0, width: 32, height: 80 }).slice(0, 16), k1.slice(0, 16));
});

test('PixmapCacheModel: LRU eviction within the capacity, ids never reused, oversized images not cached', () => {
  let next = 1n;
  const c = new PixmapCacheModel({ capacityPixels: 1000, minPixels: 10, newId: () => next++ });
  assert.equal(c.wants(3, 3), false, 'under minPixels');
  assert.equal(c.wants(40, 30), false, 'over the capacity');
  const a = c.add('a', 20, 20, false, 100)!;
  const b = c.add('b', 20, 20, false, 100)!;
  assert.deepEqual([a.evicted, b.evicted], [[], []]);
  assert.equal(c.lookup('a')?.id, a.entry.id, 'hit makes a the most recent');
  const d = c.add('d', 20, 20, true, 50)!;
  assert.deepEqual(d.evicted, [b.entry.id], 'b was the least recently used');
  assert.equal(c.usedPixels, 800);
  assert.equal(c.lookup('b'), undefined);
  const e = c.add('e', 25, 40, false, 10)!;
  assert.deepEqual(e.evicted, [a.entry.id, d.entry.id], 'room for 1000 pixels');
  assert.equal(c.usedPixels, 1000);
  const again = c.add('a', 20, 20, false, 100)!;
  assert.notEqual(again.entry.id, a.entry.id, 'a re-stored image gets a new id');
  assert.equal(c.add('x', 40, 30, false, 1), undefined);
  c.clear();
  assert.equal(c.usedPixels, 0);
  assert.equal(c.size, 0);
});

test('image options: defaults, and bad values are BAD_ARGUMENT', () => {
  const source = new PaintSource(8, 8, new Uint32Array(64));
  const d = displayImageSettings({ source });
  assert.deepEqual(d, {
    imageCache: true, minCachePixels: SERVER_DEFAULTS.minCachePixels, maxCachePixels: SERVER_DEFAULTS.maxCachePixels,
    jpeg: 'never', jpegQuality: 85, minJpegPixels: SERVER_DEFAULTS.minJpegPixels,
  });
  const bad = (e: unknown) => isSpiceError(e) && e.code === ErrorCode.BAD_ARGUMENT;
  assert.throws(() => displayImageSettings({ source, jpegQuality: 0 }), bad);
  assert.throws(() => displayImageSettings({ source, jpegQuality: 90.5 }), bad);
  assert.throws(() => displayImageSettings({ source, jpeg: 'sometimes' as never }), bad);
  assert.throws(() => displayImageSettings({ source, minCachePixels: -1 }), bad);
});

// ------------------------------------------------------------------ live

test('repeated pictures go as FROM_CACHE: the viewer stays pixel-exact and fewer bytes are sent', async (t) => {
  const on = await setup(t, {});
  const stepsOn = await runScenario(on);
  const k = on.server.stats.cache;
  // Picture 1 comes back three times and 2 once, the tile three times: 7 hits; stored are
  // the first screen, pictures 1, 2, 3 and the tile.
  assert.equal(k.hits, 7, `cache hits: ${JSON.stringify(k)}`);
  assert.equal(k.stored, 5, JSON.stringify(k));
  assert.ok(k.bytesSaved > 0, JSON.stringify(k));
  assert.equal(k.evicted, 0, 'the default cache holds everything');
  // The server's account matches what the viewer holds.
  const model = (on.server.viewers.values().next().value!.display as unknown as DisplayInternals).pixmapCache!;
  const held = on.viewer.displays.get(0)!.canvas.imageCache;
  assert.equal(held.totalPixels, model.usedPixels);
  assert.equal(held.size, model.size);
  const off = await setup(t, { imageCache: false });
  const stepsOff = await runScenario(off);
  assert.equal(off.server.stats.cache.hits + off.server.stats.cache.stored, 0, 'imageCache:false caches nothing');
  assert.equal(off.viewer.displays.get(0)!.canvas.imageCache.size, 0);
  // GLZ finds repeated pictures in its own dictionary, so the cache saves less there.
  assert.ok(stepsOn < stepsOff, `auto_glz: the steps took ${stepsOn} display bytes with the cache, ${stepsOff} without`);
  assert.ok(on.server.stats.wireBytes < off.server.stats.wireBytes);
  t.diagnostic(`auto_glz: the steps took ${stepsOn} display bytes with the cache, ${stepsOff} without`);
});

test('without a cross-image dictionary (auto_lz) the cache saves most of the repeated bytes', async (t) => {
  const on = await setup(t, { imageCompression: 'auto_lz' });
  const stepsOn = await runScenario(on);
  const off = await setup(t, { imageCompression: 'auto_lz', imageCache: false });
  const stepsOff = await runScenario(off);
  assert.equal(on.server.stats.cache.hits, 7);
  // 11 steps, 4 new pictures: the 7 repeats cost a draw message each instead of an image.
  assert.ok(stepsOn < stepsOff * 0.6, `the steps took ${stepsOn} display bytes with the cache, ${stepsOff} without`);
  t.diagnostic(`auto_lz: the steps took ${stepsOn} display bytes with the cache, ${stepsOff} without`);
});

test('a tiny viewer cache: the server evicts (INVAL_LIST) and the viewer stays exact', async (t) => {
  // Room for two window pictures and a few tiles; the whole first screen does not fit.
  const size = Math.floor(2.3 * WIN.w * WIN.h);
  const s = await setup(t, {}, { pixmapCacheSize: size });
  await runScenario(s);
  // Reverse order too, so entries are evicted and re-stored while others are hit.
  for (const n of [3, 2, 1, 3, 2]) {
    s.source.paint(drawn(100 + n, WIN.w, WIN.h), WIN.x, WIN.y, WIN.w, WIN.h);
    await exact(s, `late window picture ${n}`);
  }
  const k = s.server.stats.cache;
  assert.ok(k.evicted > 0, `evictions: ${JSON.stringify(k)}`);
  assert.ok(k.hits > 0, `hits: ${JSON.stringify(k)}`);
  const model = (s.server.viewers.values().next().value!.display as unknown as DisplayInternals).pixmapCache!;
  const held = s.viewer.displays.get(0)!.canvas.imageCache;
  assert.ok(model.usedPixels <= size && held.totalPixels <= size, `within ${size}: ${model.usedPixels}, ${held.totalPixels}`);
  assert.equal(held.totalPixels, model.usedPixels, 'the viewer holds what the server counts');
  assert.equal(held.size, model.size);
});

test('a viewer announcing no pixmap cache gets no cached images', async (t) => {
  const s = await setup(t, {}, { pixmapCacheSize: 0 });
  await runScenario(s);
  const k = s.server.stats.cache;
  assert.equal(k.stored + k.hits, 0, JSON.stringify(k));
});

test('jpeg always: a photo-like source arrives as JPEG within a small tolerance; lossy entries are reused, then replaced losslessly', async (t) => {
  const s = await setup(t, { jpeg: 'always', jpegQuality: 85 }, {}, photo(5, W, H));
  await until(() => s.errors.length > 0 || (s.viewer.primary(0) !== undefined && s.server.stats.codecs.has('jpeg')), 5000);
  await settled(s);
  let c = closeness(s);
  assert.ok(c.max <= 32 && c.mean <= 2.5, `first picture: max channel delta ${c.max}, mean ${c.mean.toFixed(2)}`);
  t.diagnostic(`JPEG q85 first picture: max channel delta ${c.max}, mean ${c.mean.toFixed(3)}`);
  const p1 = photo(11, WIN.w, WIN.h), p2 = photo(12, WIN.w, WIN.h);
  for (const p of [p1, p2, p1, p2]) {
    s.source.paint(p, WIN.x, WIN.y, WIN.w, WIN.h);
    await settled(s);
    c = closeness(s);
    assert.ok(c.max <= 32 && c.mean <= 2.5, `window: max channel delta ${c.max}, mean ${c.mean.toFixed(2)}`);
  }
  assert.deepEqual(s.errors.map((e) => e.message), []);
  const jpeg = s.server.stats.codecs.get('jpeg');
  assert.ok(jpeg && jpeg.images >= 3, `JPEG images: ${JSON.stringify(jpeg)}`);
  assert.ok(s.server.stats.cache.hits >= 2, `lossy entries reused: ${JSON.stringify(s.server.stats.cache)}`);
  const held = s.viewer.displays.get(0)!.canvas.imageCache;
  assert.ok(held.size > 0);

  // The viewer now asks for LZ (no lossy images): picture 1 comes back lossless in the
  // cache entry's place (CACHE_REPLACE_ME), and the window becomes exact.
  s.viewer.displays.get(0)!.channel.send({ name: 'preferred_compression', body: { image_compression: ImageCompression.LZ } });
  const display = s.server.viewers.values().next().value!.display as unknown as { preferred?: string };
  await until(() => display.preferred === 'lz');
  s.source.paint(p1, WIN.x, WIN.y, WIN.w, WIN.h);
  await settled(s);
  assert.equal(s.server.stats.cache.replaced, 1, JSON.stringify(s.server.stats.cache));
  const p = s.viewer.primary(0)!;
  let windowDiff = 0;
  for (let y = WIN.y; y < WIN.y + WIN.h; y++) {
    for (let x = WIN.x; x < WIN.x + WIN.w; x++) if (((p.pixels[y * W + x]! ^ s.source.pixels[y * W + x]!) & 0xffffff) !== 0) windowDiff++;
  }
  assert.equal(windowDiff, 0, 'the window is lossless now');
  // And picture 1 is now a lossless hit.
  const hits = s.server.stats.cache.hits;
  s.source.paint(p2, WIN.x, WIN.y, WIN.w, WIN.h);
  await settled(s);
  s.source.paint(p1, WIN.x, WIN.y, WIN.w, WIN.h);
  await settled(s);
  assert.ok(s.server.stats.cache.hits > hits, 'the replaced entry is used again');
  assert.deepEqual(s.errors.map((e) => e.message), []);
});
