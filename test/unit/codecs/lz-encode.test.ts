/**
 * LZ encoder (src/codecs/encode/lz-encode.ts): round trips through our
 * decoder (src/codecs/lz.ts) on many kinds of pictures, sizes, sub-rectangles
 * and both pixel formats; the stream's header; matches at every distance
 * form; agreement with spice-html5's lz.js; the golden captures' LZ images
 * re-encoded and compared in size with what the real server sent; bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { decodeLz } from '../../../src/codecs/lz.js';
import { LzEncoder, encodeLz } from '../../../src/codecs/encode/lz-encode.js';
import type { EncodeSource } from '../../../src/codecs/encode/types.js';
import { displayImages, goldenFiles, loadGolden } from '../../helpers/golden.js';
import { rng } from '../../helpers/sample.js';

const HTML5_LZ = '/usr/share/spice-html5/lz.js';
const required = process.env.SPICE_INTEROP === 'required';

// ---------------------------------------------------------------------------
// pictures

type Picture = (w: number, h: number, seed: number) => Uint32Array;

const random: Picture = (w, h, seed) => {
  const r = rng(seed);
  return Uint32Array.from({ length: w * h }, () => (r() * 0x100000000) >>> 0);
};
const gradient: Picture = (w, h) => Uint32Array.from({ length: w * h }, (_, i) => {
  const x = i % w;
  const y = Math.floor(i / w);
  return (0xff000000 | ((x * 255) / Math.max(1, w - 1)) << 16 | ((y * 255) / Math.max(1, h - 1)) << 8 | ((x + y) & 255)) >>> 0;
});
const flat: Picture = (w, h) => new Uint32Array(w * h).fill(0xff3366cc);
/** A 37-pixel random pattern repeated: long matches at a distance that is not the width. */
const pattern: Picture = (w, h, seed) => {
  const p = random(37, 1, seed);
  return Uint32Array.from({ length: w * h }, (_, i) => p[i % 37]);
};
/** Black glyph-like strokes with grey edges on white, a few distinct glyphs reused. */
const text: Picture = (w, h, seed) => {
  const r = rng(seed);
  const px = new Uint32Array(w * h).fill(0xffffffff);
  const glyphs = Array.from({ length: 8 }, () => Uint8Array.from({ length: 7 * 12 }, () => (r() < 0.3 ? (r() < 0.6 ? 0 : 0x80) : 0xff)));
  for (let gy = 1; gy + 12 <= h; gy += 15) {
    for (let gx = 1; gx + 7 <= w; gx += 8) {
      const g = glyphs[Math.floor(r() * glyphs.length)];
      for (let y = 0; y < 12; y++) for (let x = 0; x < 7; x++) {
        const v = g[y * 7 + x];
        px[(gy + y) * w + gx + x] = (0xff000000 | (v << 16) | (v << 8) | v) >>> 0;
      }
    }
  }
  return px;
};
/** Real alpha: opaque areas, transparent areas, soft edges. */
const withAlpha: Picture = (w, h, seed) => {
  const base = text(w, h, seed);
  return base.map((p, i) => {
    const x = i % w;
    const a = x < w / 3 ? 0xff : x < (2 * w) / 3 ? (x * 7) & 255 : 0;
    return ((p & 0xffffff) | (a << 24)) >>> 0;
  });
};

const PICTURES: Record<string, Picture> = { random, gradient, flat, pattern, text, withAlpha };

function full(pixels: Uint32Array, width: number, height: number): EncodeSource {
  return { pixels, stride: width, x: 0, y: 0, width, height };
}

/** The rectangle's pixels as the decoder must give them back. */
function expected(src: EncodeSource, alpha: boolean): Uint32Array {
  const out = new Uint32Array(src.width * src.height);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const v = src.pixels[(src.y + y) * src.stride + src.x + x];
      out[y * src.width + x] = alpha ? v : (v | 0xff000000) >>> 0;
    }
  }
  return out;
}

function roundTrip(src: EncodeSource, alpha: boolean, what: string): Uint8Array {
  const data = encodeLz(src, { alpha });
  const r = decodeLz(data);
  assert.equal(r.width, src.width, what);
  assert.equal(r.height, src.height, what);
  assert.equal(r.format, alpha ? 'argb' : 'xrgb', what);
  const want = expected(src, alpha);
  for (let i = 0; i < want.length; i++) {
    if (r.pixels[i] !== want[i]) assert.fail(`${what}: pixel ${i} is 0x${r.pixels[i].toString(16)}, want 0x${want[i].toString(16)}`);
  }
  return data;
}

// ---------------------------------------------------------------------------
// round trips

test('every kind of picture round-trips exactly, RGB32 and RGBA, at many sizes', () => {
  const sizes: [number, number][] = [[1, 1], [1, 2], [2, 1], [1, 57], [57, 1], [3, 3], [7, 5], [31, 33], [64, 48], [129, 65], [320, 200]];
  let cases = 0;
  for (const [name, pic] of Object.entries(PICTURES)) {
    for (const [w, h] of sizes) {
      const px = pic(w, h, w * 31 + h);
      for (const alpha of [false, true]) {
        roundTrip(full(px, w, h), alpha, `${name} ${w}x${h} ${alpha ? 'RGBA' : 'RGB32'}`);
        cases++;
      }
    }
  }
  assert.equal(cases, Object.keys(PICTURES).length * sizes.length * 2);
});

test('the header says LZ 1.1, the type, the size, stride = width*4 and top-down', () => {
  const data = encodeLz(full(random(13, 9, 1), 13, 9), { alpha: true });
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  assert.equal(dv.getUint32(0), 0x20205a4c);
  assert.equal(dv.getUint32(4), 0x00010001);
  assert.equal(dv.getUint32(8), 9);
  assert.equal(dv.getUint32(12), 13);
  assert.equal(dv.getUint32(16), 9);
  assert.equal(dv.getUint32(20), 52);
  assert.equal(dv.getUint32(24), 1);
  assert.equal(new DataView(encodeLz(full(random(2, 2, 1), 2, 2)).buffer).getUint32(8), 8);
});

test('a large 1280x800 frame round-trips, and compressible pictures get small', () => {
  const w = 1280;
  const h = 800;
  const px = text(w, h, 5);
  // a photo-like noisy block and a flat block inside the text
  const r = rng(9);
  for (let y = 300; y < 500; y++) for (let x = 700; x < 1000; x++) px[y * w + x] = (0xff000000 | ((r() * 0xffffff) >>> 0)) >>> 0;
  for (let y = 50; y < 250; y++) px.fill(0xff204080, y * w + 100, y * w + 600);
  const data = roundTrip(full(px, w, h), false, 'desktop 1280x800');
  const noise = 300 * 200 * 3;
  assert.ok(data.length < noise + (w * h * 4) / 10, `1280x800 text frame took ${data.length} bytes`);
  // flat: one run per pass; pattern: the 37-pixel period, then one match. A long
  // match's length costs a byte per 255 pixels, so both take about n/255 bytes per pass.
  const lengthBytes = (w * h) / 255;
  assert.ok(roundTrip(full(flat(w, h, 0), w, h), true, 'flat').length < 28 + 2 * lengthBytes + 64, 'flat frame should be tiny');
  assert.ok(roundTrip(full(pattern(w, h, 3), w, h), false, 'pattern').length < 28 + 37 * 3 + lengthBytes + 64, 'a repeated pattern should be tiny');
});

test('sub-rectangles: offsets, stride wider than the rectangle, last row ending at the buffer end', () => {
  const stride = 97;
  const rows = 61;
  const px = text(stride, rows, 11).map((v, i) => (i % 5 === 0 ? (v ^ 0x00123456) >>> 0 : v));
  const rects: [number, number, number, number][] = [
    [0, 0, stride, rows], [0, 0, 1, 1], [96, 60, 1, 1], [5, 7, 40, 30], [0, 3, 96, 1], [13, 0, 1, 61], [57, 21, 40, 40],
  ];
  for (const [x, y, width, height] of rects) {
    for (const alpha of [false, true]) roundTrip({ pixels: px, stride, x, y, width, height }, alpha, `rect ${width}x${height}+${x}+${y}`);
  }
  // a buffer that ends exactly at the rectangle's last pixel
  const tight = px.subarray(0, 20 * stride + 10 + 30);
  roundTrip({ pixels: tight, stride, x: 10, y: 1, width: 30, height: 20 }, false, 'tight buffer');
});

test('matches reach back across the near (13-bit) and far (16-bit) distance forms', () => {
  // random blocks repeated 5000, 8192 (first far distance) and 73727 (farthest) pixels later
  const w = 1000;
  const h = 100;
  const px = random(w, h, 21);
  const block = 1500;
  px.copyWithin(10000 + 5000, 10000, 10000 + block);
  px.copyWithin(20000 + 8192, 20000, 20000 + block);
  px.copyWithin(1000 + 73727, 1000, 1000 + block);
  const withRepeats = roundTrip(full(px, w, h), false, 'distances').length;
  const noRepeats = encodeLz(full(random(w, h, 21), w, h)).length;
  // each repeated block saves nearly its 4.5 KB of literals
  assert.ok(noRepeats - withRepeats > 3 * block * 3 * 0.9, `repeats saved only ${noRepeats - withRepeats} bytes`);
  // one pixel beyond the reach: the block cannot be matched and costs its literals again
  const px2 = random(w, h, 22);
  px2.copyWithin(1000 + 73728, 1000, 1000 + block);
  const beyond = roundTrip(full(px2, w, h), true, 'beyond reach').length;
  assert.ok(beyond > encodeLz(full(random(w, h, 22), w, h), { alpha: true }).length - 100, 'a match beyond 73727 pixels must not be coded');
});

test('output depends only on the input: encoder history and its position bookkeeping do not leak', () => {
  const enc = new LzEncoder();
  const a = full(text(150, 90, 1), 150, 90);
  const b = full(pattern(77, 40, 2), 77, 40);
  const first = enc.encode(a, { alpha: true });
  enc.encode(b);
  enc.encode(b, { alpha: true });
  assert.deepEqual(enc.encode(a, { alpha: true }), first);
  // the hash table's generations wrap around 2^31 positions: force it
  (enc as unknown as { gen: number }).gen = 0x7fffffff - 100;
  assert.deepEqual(enc.encode(a, { alpha: true }), first);
  assert.deepEqual(encodeLz(a, { alpha: true }), first);
});

// ---------------------------------------------------------------------------
// spice-html5

type Html5Lz = { convert_spice_lz_to_web: (ctx: unknown, img: unknown) => { data: Uint8ClampedArray } | undefined };

test('spice-html5 lz.js decodes our streams to the same pixels', async (t) => {
  if (!existsSync(HTML5_LZ)) {
    if (required) assert.fail(`${HTML5_LZ} is missing (install the Debian package spice-html5)`);
    t.skip(`${HTML5_LZ} not installed (apt-get install spice-html5): differential test skipped`);
    return;
  }
  const mod = (await import(HTML5_LZ)) as Html5Lz;
  const ctx = { createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }) };
  let compared = 0;
  for (const [name, pic] of Object.entries(PICTURES)) {
    for (const [w, h] of [[1, 1], [9, 4], [100, 61]]) {
      const src = full(pic(w, h, w + h), w, h);
      for (const alpha of [false, true]) {
        const data = encodeLz(src, { alpha });
        const img = mod.convert_spice_lz_to_web(ctx, { type: alpha ? 9 : 8, width: w, height: h, top_down: 1, data: data.slice(28).buffer });
        assert.ok(img, `${name} ${w}x${h}: html5 gave no image`);
        const want = expected(src, alpha);
        const q = img.data;
        for (let i = 0; i < want.length; i++) {
          const got = ((q[i * 4 + 3] << 24) | (q[i * 4] << 16) | (q[i * 4 + 1] << 8) | q[i * 4 + 2]) >>> 0;
          if (got !== want[i]) assert.fail(`${name} ${w}x${h} ${alpha ? 'RGBA' : 'RGB32'}: html5 pixel ${i} is 0x${got.toString(16)}, want 0x${want[i].toString(16)}`);
        }
        compared++;
      }
    }
  }
  assert.equal(compared, Object.keys(PICTURES).length * 6);
});

// ---------------------------------------------------------------------------
// golden captures

test('the LZ images of the golden captures re-encode exactly, no larger than 1.05x what the server sent', (t) => {
  let ours = 0;
  let theirs = 0;
  let images = 0;
  for (const f of goldenFiles()) {
    for (const image of displayImages(loadGolden(f))) {
      if (image.descriptor.type !== 101) continue; // LZ_RGB
      const sent: Uint8Array = image.lz_rgb.data;
      const r = decodeLz(sent);
      const alpha = r.format === 'argb';
      const data = roundTrip(full(r.pixels, r.width, r.height), alpha, `${f} image ${image.descriptor.id}`);
      ours += data.length;
      theirs += sent.length;
      images++;
    }
  }
  assert.ok(images >= 20, `expected LZ images in the golden captures, found ${images}`);
  t.diagnostic(`${images} LZ images: server ${theirs} bytes, spice-ts ${ours} bytes (x${(ours / theirs).toFixed(3)})`);
  assert.ok(ours <= theirs * 1.05, `spice-ts LZ output ${ours} bytes is over 1.05x the server's ${theirs}`);
});

// ---------------------------------------------------------------------------
// bad input

test('a rectangle outside its buffer, or not in whole pixels, throws', () => {
  const px = new Uint32Array(100);
  const bad: Partial<EncodeSource>[] = [
    { x: 0, y: 0, width: 11, height: 1, stride: 10 },
    { x: 5, y: 0, width: 6, height: 1, stride: 10 },
    { x: 0, y: 9, width: 10, height: 2, stride: 10 },
    { x: 0, y: 0, width: 0, height: 1, stride: 10 },
    { x: 0, y: 0, width: 3, height: -1, stride: 10 },
    { x: -1, y: 0, width: 3, height: 1, stride: 10 },
    { x: 0, y: 0, width: 2.5, height: 2, stride: 10 },
    { x: 0, y: 0, width: 3, height: 3, stride: Number.NaN },
  ];
  for (const b of bad) {
    assert.throws(() => encodeLz({ pixels: px, ...b } as EncodeSource), RangeError, JSON.stringify(b));
  }
  // the encoder still works after refusing
  roundTrip({ pixels: px.fill(7), stride: 10, x: 0, y: 0, width: 10, height: 10 }, false, 'after errors');
});
