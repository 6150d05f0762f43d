/**
 * copyRows (codecs/encode/copy-rows.ts), which packs a rectangle's rows for the LZ,
 * GLZ and LZ4 encoders, word by word below SHORT_ROW_WORDS and by typed-array views
 * from there on: both ways copy exactly the rectangle and touch nothing else, and the
 * three encoders (and the server's raw bitmaps) give back narrow and wide
 * sub-rectangles of a larger frame exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHORT_ROW_WORDS, copyRows } from '../../../src/codecs/encode/copy-rows.js';
import { encodeLz } from '../../../src/codecs/encode/lz-encode.js';
import { encodeLz4 } from '../../../src/codecs/encode/lz4-encode.js';
import { GlzEncoder } from '../../../src/codecs/encode/glz-encode.js';
import type { EncodeSource } from '../../../src/codecs/encode/types.js';
import { decodeLz } from '../../../src/codecs/lz.js';
import { decodeLz4Image } from '../../../src/codecs/lz4.js';
import { GlzDictionary, type GlzDecodedImage } from '../../../src/codecs/glz.js';
import { encodeRect } from '../../../src/server/display/image-encoder.js';
import { rng } from '../../helpers/sample.js';

const SENTINEL = 0xdeadbeef;

function randomWords(n: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: n }, () => (r() * 0x100000000) >>> 0);
}

/** The rectangle's pixels, packed, read the slow way. */
function packed(src: EncodeSource, opaque: boolean): Uint32Array {
  const out = new Uint32Array(src.width * src.height);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const v = src.pixels[(src.y + y) * src.stride + src.x + x]!;
      out[y * src.width + x] = opaque ? (v | 0xff000000) >>> 0 : v;
    }
  }
  return out;
}

test('copyRows copies exactly the rectangle, packed at the destination offset, both below and from SHORT_ROW_WORDS', () => {
  const stride = 97, rows = 9;
  const src = randomWords(stride * (rows + 3), 5);
  for (const width of [1, 2, SHORT_ROW_WORDS - 1, SHORT_ROW_WORDS, SHORT_ROW_WORDS + 1, 64, stride - 3]) {
    for (const x of [0, 3]) {
      const from = 2 * stride + x, to = 7;
      const dst = new Uint32Array(to + width * rows + 5).fill(SENTINEL);
      copyRows(src, from, stride, width, rows, dst, to);
      for (let i = 0; i < to; i++) assert.equal(dst[i], SENTINEL, `width ${width}: word ${i} before the copy`);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < width; c++) {
          assert.equal(dst[to + r * width + c], src[from + r * stride + c], `width ${width} x ${x}: row ${r} word ${c}`);
        }
      }
      for (let i = to + width * rows; i < dst.length; i++) assert.equal(dst[i], SENTINEL, `width ${width}: word ${i} after the copy`);
    }
  }
});

test('copyRows of zero rows writes nothing', () => {
  const dst = new Uint32Array(8).fill(SENTINEL);
  copyRows(randomWords(64, 1), 0, 8, 4, 0, dst, 0);
  copyRows(randomWords(64, 1), 0, 8, 40, 0, dst, 0);
  assert.deepEqual(dst, new Uint32Array(8).fill(SENTINEL));
});

test('LZ, LZ4 and GLZ give back narrow and wide sub-rectangles of a larger frame exactly', () => {
  const stride = 160, height = 120;
  const frame = randomWords(stride * height, 11);
  // some repetition, so that matches run across the packed rows' ends too
  for (let y = 40; y < 80; y++) frame.copyWithin(y * stride, (y - 40) * stride, (y - 39) * stride);
  const glz = new GlzEncoder({ windowPixels: 1 << 20 });
  const dict = new GlzDictionary({ windowPixels: 1 << 20, maxRetainedPixels: 1 << 20 });
  for (const width of [1, 4, SHORT_ROW_WORDS - 1, SHORT_ROW_WORDS, 33, stride - 5]) {
    const src: EncodeSource = { pixels: frame, stride, x: 5, y: 30, width, height: 70 };
    const what = `${width}x70 at (5,30) of ${stride}x${height}`;
    const lz = decodeLz(encodeLz(src, { alpha: true }));
    assert.deepEqual(lz.pixels, packed(src, false), `LZ ${what}`);
    const lz4 = decodeLz4Image(encodeLz4(src, { alpha: false }), width, 70);
    assert.deepEqual(lz4.pixels, packed(src, true), `LZ4 ${what}`);
    const g = dict.decode(glz.encode(src, { alpha: false })) as GlzDecodedImage;
    assert.ok(!(g instanceof Promise), `GLZ ${what}: decoded at once`);
    assert.deepEqual(g.pixels, packed(src, true), `GLZ ${what}`);
  }
});

test("the server's raw bitmaps (image-compression off) of narrow and wide sub-rectangles hold exactly their pixels", () => {
  const stride = 90, height = 40;
  const frame = { width: stride, height, stride, pixels: randomWords(stride * height, 3) };
  for (const width of [2, SHORT_ROW_WORDS - 1, SHORT_ROW_WORDS, 61]) {
    const box = { x0: 7, y0: 4, x1: 7 + width, y1: 31 };
    const e = encodeRect(frame, box, 'off', { lz4: false, glz: null });
    assert.equal(e.kind, 'image', `${width} wide: an image`);
    if (e.kind !== 'image') continue;
    const bm = e.image.bitmap as { x: number; y: number; stride: number; data: Uint8Array };
    assert.deepEqual([bm.x, bm.y, bm.stride], [width, 27, width * 4]);
    const words = new Uint32Array(bm.data.buffer, bm.data.byteOffset, bm.data.length / 4);
    assert.deepEqual(words, packed({ pixels: frame.pixels, stride, x: 7, y: 4, width, height: 27 }, false), `${width} wide`);
  }
});
