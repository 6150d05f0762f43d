import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisplayCanvas, ImageCache, PaletteCache, SURFACE_FMT, type CanvasImage } from '../../../src/canvas/index.js';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import type { DecodedImage } from '../../../src/codecs/types.js';
import { R, base, bitmapImage, cacheRef, canvasWith, noMask, px, rgb32Image, rgbaImage } from '../../helpers/canvas-msg.js';

const TOP_DOWN = 4, PAL_CACHE_ME = 1, PAL_FROM_CACHE = 2;
const CACHE_ME = 1, HIGH_BITS_SET = 2, CACHE_REPLACE_ME = 4;

function resolve(c: DisplayCanvas, img: unknown): CanvasImage {
  const r = c.resolveImage(img as never);
  assert.ok(!(r instanceof Promise));
  return r as CanvasImage;
}

const code = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return e instanceof SpiceError ? e.code : 'other'; }
  return 'none';
};

test('32BIT bitmap: bottom-up rows, stride padding, X byte kept', () => {
  const c = canvasWith(4, 4);
  // Two rows of two pixels, 4 padding bytes per row; first row in the data is the bottom one.
  const data = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xee, 0xee, 0xee, 0xee,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0xee, 0xee, 0xee, 0xee,
  ];
  const img = resolve(c, bitmapImage(8, 2, 2, 12, data, { bmFlags: 0 }));
  assert.equal(img.format, 'xrgb');
  assert.deepEqual(Array.from(img.pixels), [0x14131211, 0x18171615, 0x04030201, 0x08070605]);
  const td = resolve(c, bitmapImage(8, 2, 2, 12, data, { bmFlags: TOP_DOWN }));
  assert.deepEqual(Array.from(td.pixels), [0x04030201, 0x08070605, 0x14131211, 0x18171615]);
});

test('24BIT, 16BIT, RGBA and 8BIT_A bitmaps', () => {
  const c = canvasWith(4, 4);
  const b24 = resolve(c, bitmapImage(7, 2, 1, 8, [0x10, 0x20, 0x30, 0xa0, 0xb0, 0xc0, 0, 0]));
  assert.deepEqual(Array.from(b24.pixels), [0x00302010, 0x00c0b0a0]);
  // x1r5g5b5: pure red 0x7c00, (1,1,1) 0x0421 and blue 31 with the unused top bit set.
  const b16 = resolve(c, bitmapImage(6, 3, 1, 6, [0x00, 0x7c, 0x21, 0x04, 0x1f, 0x80]));
  assert.equal(b16.format, 'rgb555');
  // 5 -> 8 bits: v << 3 | v >> 2.
  assert.deepEqual(Array.from(b16.pixels), [0xffff0000, 0xff080808, 0xff0000ff]);
  const rgba = resolve(c, rgbaImage(1, 1, [0x80402010]));
  assert.equal(rgba.format, 'argb');
  assert.deepEqual(Array.from(rgba.pixels), [0x80402010]);
  const a8 = resolve(c, bitmapImage(10, 3, 1, 4, [0x00, 0x7f, 0xff, 0x99]));
  assert.equal(a8.format, 'a8');
  assert.deepEqual(Array.from(a8.pixels), [0, 0x7f000000, 0xff000000]);
});

test('palette bitmaps of every depth', () => {
  const c = canvasWith(4, 4);
  const pal = [0x00112233, 0x00445566, 0x00778899, 0x00aabbcc];
  const p8 = resolve(c, bitmapImage(5, 4, 1, 4, [3, 0, 1, 200], { palette: pal }));
  // An index past the palette reads 0.
  assert.deepEqual(Array.from(p8.pixels), [0x00aabbcc, 0x00112233, 0x00445566, 0]);
  const p4be = resolve(c, bitmapImage(4, 3, 1, 2, [0x12, 0x30], { palette: pal }));
  assert.deepEqual(Array.from(p4be.pixels), [pal[1], pal[2], pal[3]]);
  const p4le = resolve(c, bitmapImage(3, 3, 1, 2, [0x12, 0x03], { palette: pal }));
  assert.deepEqual(Array.from(p4le.pixels), [pal[2], pal[1], pal[3]]);
  const p1be = resolve(c, bitmapImage(2, 4, 1, 1, [0b10110000], { palette: pal }));
  assert.deepEqual(Array.from(p1be.pixels), [pal[1], pal[0], pal[1], pal[1]]);
  const p1le = resolve(c, bitmapImage(1, 4, 1, 1, [0b00001101], { palette: pal }));
  assert.deepEqual(Array.from(p1le.pixels), [pal[1], pal[0], pal[1], pal[1]]);
  // Two rows, bottom-up.
  const p1rows = resolve(c, bitmapImage(2, 2, 2, 1, [0b01000000, 0b10000000], { palette: pal, bmFlags: 0 }));
  assert.deepEqual(Array.from(p1rows.pixels), [pal[1], pal[0], pal[0], pal[1]]);
});

test('on a 16_555 surface palette entries are x1r5g5b5 values', () => {
  const c = canvasWith(2, 1, 0, SURFACE_FMT.RGB555);
  const img = resolve(c, bitmapImage(5, 2, 1, 2, [0, 1], { palette: [0x7c00, 0x001f] }));
  assert.equal(img.format, 'rgb555');
  assert.deepEqual(Array.from(img.pixels), [0xffff0000, 0xff0000ff]);
  c.apply({ name: 'draw_copy', body: { base: base(R(0, 0, 2, 1)), data: {
    src_bitmap: bitmapImage(5, 2, 1, 2, [1, 0], { palette: [0x7c00, 0x001f] }), src_area: R(0, 0, 2, 1), rop_descriptor: 8, scale_mode: 1, mask: noMask } } });
  assert.deepEqual(px(c), [0xff0000ff, 0xffff0000]);
});

test('palette cache: PAL_CACHE_ME stores, PAL_FROM_CACHE reads, invalidation drops', () => {
  const c = canvasWith(2, 1);
  resolve(c, bitmapImage(5, 1, 1, 1, [0], { palette: [0x00abcdef], unique: 77n, bmFlags: TOP_DOWN | PAL_CACHE_ME }));
  assert.ok(c.paletteCache.has(77n));
  const img = resolve(c, bitmapImage(5, 2, 1, 2, [0, 0], { bmFlags: TOP_DOWN | PAL_FROM_CACHE, paletteId: 77n }));
  assert.deepEqual(Array.from(img.pixels), [0x00abcdef, 0x00abcdef]);
  c.apply({ name: 'inval_palette', body: { id: 77n } });
  assert.equal(code(() => resolve(c, bitmapImage(5, 1, 1, 1, [0], { bmFlags: TOP_DOWN | PAL_FROM_CACHE, paletteId: 77n }))), ErrorCode.INCONSISTENT);
  resolve(c, bitmapImage(5, 1, 1, 1, [0], { palette: [1], unique: 5n, bmFlags: TOP_DOWN | PAL_CACHE_ME }));
  c.apply({ name: 'inval_all_palettes', body: {} });
  assert.equal(c.paletteCache.size, 0);
  // RESET drops the palettes too.
  resolve(c, bitmapImage(5, 1, 1, 1, [0], { palette: [1], unique: 6n, bmFlags: TOP_DOWN | PAL_CACHE_ME }));
  c.apply({ name: 'reset', body: {} });
  assert.equal(c.paletteCache.size, 0);
});

test('HIGH_BITS_SET fills the X byte of x8r8g8b8 images only', () => {
  const c = canvasWith(2, 1);
  assert.deepEqual(Array.from(resolve(c, rgb32Image(1, 1, [0x00123456], { flags: HIGH_BITS_SET })).pixels), [0xff123456]);
  assert.deepEqual(Array.from(resolve(c, rgbaImage(1, 1, [0x40102030], { flags: HIGH_BITS_SET })).pixels), [0x40102030]);
});

test('image cache: CACHE_ME, FROM_CACHE, reference counts and INVAL_LIST / INVAL_ALL_PIXMAPS', () => {
  const c = canvasWith(2, 1);
  resolve(c, rgb32Image(1, 1, [0x00010203], { id: 9n, flags: CACHE_ME }));
  resolve(c, rgb32Image(1, 1, [0x00040506], { id: 9n, flags: CACHE_ME })); // second put: count 2, new content
  assert.deepEqual(Array.from(resolve(c, cacheRef(9n)).pixels), [0x00040506]);
  c.apply({ name: 'inval_list', body: { count: 1, resources: [{ type: 1, id: 9n }] } });
  assert.ok(c.imageCache.has(9n), 'one reference left');
  c.apply({ name: 'inval_list', body: { count: 1, resources: [{ type: 1, id: 9n }] } });
  assert.ok(!c.imageCache.has(9n));
  assert.equal(code(() => resolve(c, cacheRef(9n))), ErrorCode.INCONSISTENT);
  resolve(c, rgb32Image(1, 1, [1], { id: 1n, flags: CACHE_ME }));
  resolve(c, rgb32Image(1, 1, [2], { id: 2n, flags: CACHE_ME }));
  c.apply({ name: 'inval_all_pixmaps', body: { wait_count: 0, wait_list: [] } });
  assert.equal(c.imageCache.size, 0);
  assert.equal(c.imageCache.totalPixels, 0);
});

test('image cache: lossy JPEG entries, FROM_CACHE_LOSSLESS and CACHE_REPLACE_ME', () => {
  const jpegOut: DecodedImage = { width: 1, height: 1, pixels: Uint32Array.of(0xff808080), format: 'xrgb' };
  const c = canvasWith(2, 1, 0, SURFACE_FMT.XRGB, { decoders: { jpeg: () => ({ ...jpegOut, pixels: jpegOut.pixels.slice() }) } });
  const jpeg = { descriptor: { id: 5n, type: 105, flags: CACHE_ME, width: 1, height: 1 }, jpeg: { data_size: 1, data: Uint8Array.of(0) } };
  resolve(c, jpeg);
  assert.equal(c.imageCache.isLossy(5n), true);
  assert.deepEqual(Array.from(resolve(c, cacheRef(5n)).pixels), [0xff808080]);
  assert.equal(code(() => resolve(c, cacheRef(5n, true))), ErrorCode.INCONSISTENT);
  resolve(c, rgb32Image(1, 1, [0x00818181], { id: 5n, flags: CACHE_REPLACE_ME }));
  assert.equal(c.imageCache.isLossy(5n), false);
  assert.deepEqual(Array.from(resolve(c, cacheRef(5n, true)).pixels), [0x00818181]);
  // Replacing with a lossy image is refused.
  assert.equal(code(() => resolve(c, { ...jpeg, descriptor: { ...jpeg.descriptor, flags: CACHE_REPLACE_ME } })), ErrorCode.INCONSISTENT);
});

test('cache limits are errors, not evictions', () => {
  const cache = new ImageCache({ maxPixels: 4 });
  const c = canvasWith(2, 1, 0, SURFACE_FMT.XRGB, { imageCache: cache });
  resolve(c, rgb32Image(2, 1, [1, 2], { id: 1n, flags: CACHE_ME }));
  assert.equal(code(() => resolve(c, rgb32Image(3, 1, [1, 2, 3], { id: 2n, flags: CACHE_ME }))), ErrorCode.LIMIT);
  assert.ok(cache.has(1n));
  const pc = new PaletteCache({ maxEntries: 1 });
  pc.put(1n, Uint32Array.of(0));
  assert.equal(code(() => pc.put(2n, Uint32Array.of(0))), ErrorCode.LIMIT);
  const small = canvasWith(1, 1, 0, SURFACE_FMT.XRGB, { maxImagePixels: 3 });
  assert.equal(code(() => resolve(small, rgb32Image(2, 2, [0, 0, 0, 0]))), ErrorCode.LIMIT);
});

test('caches are shared objects between canvases', () => {
  const images = new ImageCache(), palettes = new PaletteCache();
  const a = canvasWith(1, 1, 0, SURFACE_FMT.XRGB, { imageCache: images, paletteCache: palettes });
  const b = canvasWith(1, 1, 0, SURFACE_FMT.XRGB, { imageCache: images, paletteCache: palettes });
  resolve(a, rgb32Image(1, 1, [0x00aa00], { id: 3n, flags: CACHE_ME }));
  b.apply({ name: 'draw_copy', body: { base: base(R(0, 0, 1, 1)), data: { src_bitmap: cacheRef(3n), src_area: R(0, 0, 1, 1), rop_descriptor: 8, scale_mode: 1, mask: noMask } } });
  assert.deepEqual(px(b), [0x00aa00]);
});

test('malformed bitmaps are CORRUPT_IMAGE errors', () => {
  const c = canvasWith(2, 1);
  assert.equal(code(() => resolve(c, bitmapImage(8, 2, 2, 7, new Array(14).fill(0)))), ErrorCode.CORRUPT_IMAGE); // stride < 8
  assert.equal(code(() => resolve(c, bitmapImage(8, 2, 2, 8, new Array(12).fill(0)))), ErrorCode.CORRUPT_IMAGE); // short data
  assert.equal(code(() => resolve(c, bitmapImage(5, 1, 1, 1, [0]))), ErrorCode.CORRUPT_IMAGE); // no palette
  assert.equal(code(() => resolve(c, bitmapImage(77, 1, 1, 4, [0, 0, 0, 0]))), ErrorCode.CORRUPT_IMAGE);
});

const copyOf = (img: unknown, box = R(0, 0, 1, 1), area = R(0, 0, 1, 1)) => ({
  name: 'draw_copy', body: { base: base(box), data: { src_bitmap: img, src_area: area, rop_descriptor: 8, scale_mode: 1, mask: noMask } },
});

test('compressed images go to the decoders; a missing decoder names the type', () => {
  const c = canvasWith(2, 1);
  const quic = { descriptor: { id: 0n, type: 1, flags: 0, width: 1, height: 1 }, quic: { data_size: 1, data: Uint8Array.of(1) } };
  assert.throws(() => c.apply(copyOf(quic)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.UNSUPPORTED && /QUIC/.test(e.message));
  let seen: Uint32Array | undefined;
  c.decoders = {
    quic: () => ({ width: 1, height: 1, pixels: Uint32Array.of(0xff445566), format: 'xrgb' }),
    lz: (_d, pal) => { seen = pal; return { width: 1, height: 1, pixels: Uint32Array.of(pal![0]!), format: 'xrgb' }; },
  };
  c.apply(copyOf(quic));
  assert.deepEqual(px(c), [0xff445566, 0]);
  const plt = { descriptor: { id: 0n, type: 100, flags: 0, width: 1, height: 1 },
    lz_plt: { flags: 0, data_size: 1, palette: { unique: 1n, num_ents: 1, ents: [0x00102030] }, data: Uint8Array.of(0) } };
  c.apply(copyOf(plt, R(1, 0, 2, 1)));
  assert.deepEqual(Array.from(seen!), [0x00102030]);
  assert.deepEqual(px(c), [0xff445566, 0x00102030]);
  // Decoded size must match the descriptor.
  const wrong = { ...quic, descriptor: { ...quic.descriptor, width: 2 } };
  assert.throws(() => c.apply(copyOf(wrong, R(0, 0, 2, 1), R(0, 0, 2, 1))), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE);
});

test('an asynchronous decoder makes apply return a Promise that draws', async () => {
  const c = canvasWith(1, 1, 0, SURFACE_FMT.XRGB, {
    decoders: { jpeg: async () => ({ width: 1, height: 1, pixels: Uint32Array.of(0xff0a0b0c), format: 'xrgb' }) },
  });
  const r = c.apply(copyOf({ descriptor: { id: 0n, type: 105, flags: 0, width: 1, height: 1 }, jpeg: { data_size: 1, data: Uint8Array.of(0) } }));
  assert.ok(r instanceof Promise);
  assert.deepEqual(px(c), [0]);
  await r;
  assert.deepEqual(px(c), [0xff0a0b0c]);
  // Synchronous work gives no Promise.
  assert.equal(c.apply(copyOf(rgb32Image(1, 1, [5]))), undefined);
});

test('JPEG_ALPHA: JPEG colours with the LZ alpha stream as alpha', () => {
  const c = canvasWith(1, 1, 0xff000000, SURFACE_FMT.XRGB, {
    decoders: {
      jpeg: (d) => { assert.deepEqual(Array.from(d), [1, 2]); return { width: 1, height: 1, pixels: Uint32Array.of(0xff604020), format: 'xrgb' }; },
      lzAlphaInto: (d, pixels) => { assert.deepEqual(Array.from(d), [3]); pixels[0] = (pixels[0]! | 0x80000000) >>> 0; },
    },
  });
  const img = resolve(c, { descriptor: { id: 0n, type: 108, flags: 0, width: 1, height: 1 }, jpeg_alpha: { flags: 1, jpeg_size: 2, data_size: 3, data: Uint8Array.of(1, 2, 3) } });
  assert.equal(img.format, 'argb');
  assert.deepEqual(Array.from(img.pixels), [0x80604020]);
});

test('images not drawn are decoded only when a cache or the GLZ dictionary needs them', () => {
  let quicCalls = 0, glzCalls = 0;
  const c = canvasWith(2, 2, 0, SURFACE_FMT.XRGB, {
    decoders: {
      quic: () => { quicCalls++; return { width: 1, height: 1, pixels: Uint32Array.of(1), format: 'xrgb' }; },
      glz: () => { glzCalls++; return { width: 1, height: 1, pixels: Uint32Array.of(2), format: 'xrgb' }; },
    },
  });
  const quic = (flags: number, id: bigint) => ({ descriptor: { id, type: 1, flags, width: 1, height: 1 }, quic: { data_size: 1, data: Uint8Array.of(0) } });
  const glz = { descriptor: { id: 0n, type: 102, flags: 0, width: 1, height: 1 }, lz_rgb: { data_size: 1, data: Uint8Array.of(0) } };
  const offscreen = R(5, 5, 6, 6); // outside the 2x2 surface: nothing drawn
  c.apply(copyOf(quic(0, 1n), offscreen));
  assert.equal(quicCalls, 0);
  c.apply(copyOf(quic(CACHE_ME, 2n), offscreen));
  assert.equal(quicCalls, 1);
  assert.ok(c.imageCache.has(2n));
  c.apply(copyOf(glz, offscreen));
  assert.equal(glzCalls, 1);
  // An empty clip likewise.
  c.apply({ name: 'draw_copy', body: { base: base(R(0, 0, 1, 1), { clip: [] }), data: { src_bitmap: quic(0, 3n), src_area: R(0, 0, 1, 1), rop_descriptor: 8, scale_mode: 1, mask: noMask } } });
  assert.equal(quicCalls, 1);
  assert.deepEqual(px(c), [0, 0, 0, 0]);
});
