/**
 * GlzEncoder.encodeOrLz (src/codecs/encode/glz-encode.ts): small images with nothing to
 * take from the dictionary come back as LZ (the GLZ matches rewritten in LZ's layout)
 * and leave the dictionary as it was; the rest stay GLZ. A client decoding the GLZ images
 * in order through one dictionary and the LZ ones alone sees every picture exactly, and
 * never meets a gap in the GLZ ids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GlzDictionary, readGlzHeader, type GlzDecodedImage } from '../../../src/codecs/glz.js';
import { decodeLz } from '../../../src/codecs/lz.js';
import { GlzEncoder, glzToLz } from '../../../src/codecs/encode/glz-encode.js';
import { encodeLz } from '../../../src/codecs/encode/lz-encode.js';
import type { EncodeSource } from '../../../src/codecs/encode/types.js';
import { rng } from '../../helpers/sample.js';

const W = 640, H = 400;

/** A screen: text-like glyph cells from a few shapes on a flat background, with noisy patches. */
function screen(seed: number, patches = 6): Uint32Array {
  const r = rng(seed);
  const px = new Uint32Array(W * H).fill(0xff202830);
  const glyphs = Array.from({ length: 12 }, () => Uint8Array.from({ length: 8 * 16 }, (_, i) => ((i >> 3) > 2 && (i >> 3) < 13 && r() < 0.38 ? 1 : 0)));
  for (let gy = 0; gy + 16 <= H; gy += 16) {
    for (let gx = 0; gx + 8 <= W; gx += 8) {
      const g = glyphs[Math.floor(r() * glyphs.length)]!;
      for (let i = 0; i < 128; i++) if (g[i]) px[(gy + (i >> 3)) * W + gx + (i & 7)] = 0xffd0d0d0;
    }
  }
  for (let k = 0; k < patches; k++) {
    const x0 = Math.floor(r() * (W - 100)), y0 = Math.floor(r() * (H - 60));
    for (let y = y0; y < y0 + 60; y++) for (let x = x0; x < x0 + 100; x++) px[y * W + x] = (0xff000000 | Math.floor(r() * 0xffffff)) >>> 0;
  }
  return px;
}

function sync(r: GlzDecodedImage | Promise<GlzDecodedImage>): GlzDecodedImage {
  assert.ok(!(r instanceof Promise), 'a GLZ image waits for an image the client never got');
  return r as GlzDecodedImage;
}

function check(got: Uint32Array, src: EncodeSource, what: string): void {
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const want = src.pixels[(src.y + y) * src.stride + src.x + x]! & 0xffffff;
      if ((got[y * src.width + x]! & 0xffffff) !== want) assert.fail(`${what}: pixel ${x},${y}`);
    }
  }
}

test('small fresh rectangles go as LZ no larger than the LZ encoder, repeats and large ones as GLZ; all decode exactly', () => {
  const enc = new GlzEncoder({ windowPixels: 1 << 20 });
  const dict = new GlzDictionary({ windowPixels: 1 << 20, maxRetainedPixels: 1 << 20 });
  const r = rng(3);
  let lzCount = 0, glzCount = 0, ours = 0, lzOnly = 0, nextId = 0;
  const frames = [screen(1), screen(2)];
  const sent: EncodeSource[] = [];
  for (let step = 0; step < 120; step++) {
    const pixels = frames[step % 7 === 6 ? 1 : 0]!;
    let src: EncodeSource;
    if (step % 10 === 9 && sent.length) {
      src = sent[Math.floor(r() * sent.length)]!; // a rectangle shown again
    } else if (step % 25 === 0) {
      src = { pixels, stride: W, x: 0, y: 0, width: 400, height: 200 }; // large: stays GLZ
    } else {
      const w = 8 + Math.floor(r() * 300), h = 1 + Math.floor(r() * 60);
      src = { pixels, stride: W, x: Math.floor(r() * (W - w)), y: Math.floor(r() * (H - h)), width: w, height: h };
    }
    sent.push(src);
    const { data, glz } = enc.encodeOrLz(src, 65536);
    const what = `step ${step} (${src.width}x${src.height})`;
    if (glz) {
      glzCount++;
      assert.equal(readGlzHeader(data).id, nextId++, `${what}: GLZ ids have no gap`);
      check(sync(dict.decode(data)).pixels, src, what);
    } else {
      lzCount++;
      assert.equal(enc.nextImageId, nextId, `${what}: an LZ image takes no GLZ id`);
      assert.ok(src.width * src.height < 65536, `${what}: a large image went as LZ`);
      check(decodeLz(data).pixels, src, what);
      const plain = encodeLz(src).length;
      assert.ok(data.length <= plain * 1.05 + 8, `${what}: ${data.length} bytes, the LZ encoder makes ${plain}`);
      ours += data.length;
      lzOnly += plain;
    }
    if (src.width * src.height >= 65536) assert.ok(glz, `${what}: large images stay GLZ`);
  }
  assert.ok(lzCount > 50 && glzCount > 8, `${lzCount} LZ, ${glzCount} GLZ`);
  assert.ok(ours <= lzOnly * 1.03, `rewritten ${ours} bytes, LZ encoder ${lzOnly}`);
});

test('a rectangle that repeats part of an earlier GLZ image stays GLZ and is smaller than LZ', () => {
  const enc = new GlzEncoder({ windowPixels: 1 << 20 });
  const dict = new GlzDictionary({ windowPixels: 1 << 20, maxRetainedPixels: 1 << 20 });
  const r = rng(9);
  const px = Uint32Array.from({ length: W * H }, () => (0xff000000 | Math.floor(r() * 0xffffff)) >>> 0);
  const big = { pixels: px, stride: W, x: 0, y: 0, width: 320, height: 240 };
  const first = enc.encodeOrLz(big, 65536);
  assert.equal(first.glz, true);
  sync(dict.decode(first.data));
  const part = { pixels: px, stride: W, x: 40, y: 32, width: 200, height: 100 };
  const again = enc.encodeOrLz(part, 65536);
  assert.equal(again.glz, true, 'it refers to the first image');
  check(sync(dict.decode(again.data)).pixels, part, 'repeat');
  assert.ok(again.data.length < encodeLz(part).length / 4, `${again.data.length} bytes`);
});

test('text-like content: the LZ form is about a quarter smaller than GLZ', () => {
  const enc = new GlzEncoder({ windowPixels: 1 << 20 });
  const px = screen(5, 0);
  const src = { pixels: px, stride: W, x: 16, y: 0, width: 256, height: 48 };
  const glzOnly = new GlzEncoder({ windowPixels: 1 << 20 }).encode(src).length;
  const r = enc.encodeOrLz(src, 65536);
  assert.equal(r.glz, false);
  assert.ok(r.data.length < glzOnly * 0.85, `LZ ${r.data.length}, GLZ ${glzOnly}`);
  assert.equal(enc.windowImages, 0, 'nothing stays in the dictionary');
});

test('glzToLz: a GLZ stream without references to other images becomes an equivalent, smaller LZ stream', () => {
  const r = rng(21);
  let rewritten = 0;
  for (let k = 0; k < 40; k++) {
    const px = k % 2 ? screen(30 + k) : screen(30 + k, 0);
    const w = 1 + Math.floor(r() * W), h = 1 + Math.floor(r() * 120);
    const src = { pixels: px, stride: W, x: Math.floor(r() * (W - w + 1)), y: Math.floor(r() * (H - h)), width: w, height: h };
    // a fresh encoder: the image can only refer to itself (long and far offsets included)
    const glz = new GlzEncoder({ windowPixels: 1 << 20 }).encode(src);
    const lz = glzToLz(glz);
    if (!lz) continue;
    rewritten++;
    assert.ok(lz.length < glz.length, `${w}x${h}: ${lz.length} >= ${glz.length}`);
    check(decodeLz(lz).pixels, src, `image ${k} (${w}x${h})`);
  }
  assert.ok(rewritten >= 35, `${rewritten} of 40 rewritten`);
  // With a reference to an earlier image there is no LZ form.
  const enc = new GlzEncoder({ windowPixels: 1 << 20 });
  const px = screen(77);
  const src = { pixels: px, stride: W, x: 0, y: 0, width: 200, height: 100 };
  enc.encode(src);
  assert.equal(glzToLz(enc.encode(src)), undefined);
  // Not GLZ RGB32 at all.
  assert.equal(glzToLz(new Uint8Array(10)), undefined);
  assert.equal(glzToLz(enc.encode(src, { alpha: true })), undefined);
});
