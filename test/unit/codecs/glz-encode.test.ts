/**
 * GLZ encoder (src/codecs/encode/glz-encode.ts): sequences of images through
 * one GlzEncoder, decoded in the same order by our GlzDictionary
 * (src/codecs/glz.ts) configured to keep no more than the window, so a
 * reference to an image the client has dropped fails; cross-image references
 * (repeats shrink), every reference layout, windows that wrap many times,
 * the ring growing, sources changed after encoding, reset, RGB32/RGBA mixes;
 * the golden captures' GLZ sequences re-encoded and compared in size with
 * what the real server sent; bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import { GlzDictionary, readGlzHeader, type GlzDecodedImage } from '../../../src/codecs/glz.js';
import { inflateZlib } from '../../../src/codecs/inflate.js';
import { GlzEncoder } from '../../../src/codecs/encode/glz-encode.js';
import type { EncodeSource } from '../../../src/codecs/encode/types.js';
import { displayImages, goldenFiles, loadGolden } from '../../helpers/golden.js';
import { rng } from '../../helpers/sample.js';

// ---------------------------------------------------------------------------
// helpers

function full(pixels: Uint32Array, width: number, height: number): EncodeSource {
  return { pixels, stride: width, x: 0, y: 0, width, height };
}

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

function sync(r: GlzDecodedImage | Promise<GlzDecodedImage>): GlzDecodedImage {
  assert.ok(!(r instanceof Promise), 'decode must not wait for a missing image');
  return r as GlzDecodedImage;
}

/**
 * An encoder and a client dictionary side by side. The dictionary keeps at
 * most windowPixels (drops beyond it), so it holds exactly what the window
 * allows: a reference past the window fails with GLZ_MISSING.
 */
class Pair {
  readonly enc: GlzEncoder;
  readonly dict: GlzDictionary;
  bytes = 0;

  constructor(readonly windowPixels: number) {
    this.enc = new GlzEncoder({ windowPixels });
    this.dict = new GlzDictionary({ windowPixels, maxRetainedPixels: windowPixels });
  }

  /** Encodes, decodes, checks the pixels and the window bookkeeping; returns the stream. */
  send(src: EncodeSource, alpha: boolean, what: string): Uint8Array {
    const id = this.enc.nextImageId;
    const data = this.enc.encode(src, { alpha });
    const h = readGlzHeader(data);
    assert.equal(h.id, id, `${what}: image id`);
    assert.equal(h.topDown, true);
    assert.equal(h.type, alpha ? 9 : 8);
    assert.equal(h.winHeadDist, this.enc.windowImages - 1, `${what}: win_head_dist`);
    const r = sync(this.dict.decode(data));
    const want = expected(src, alpha);
    for (let i = 0; i < want.length; i++) {
      if (r.pixels[i] !== want[i]) assert.fail(`${what}: pixel ${i} is 0x${r.pixels[i].toString(16)}, want 0x${want[i].toString(16)}`);
    }
    assert.ok(this.enc.windowImagePixels <= this.windowPixels, `${what}: window holds ${this.enc.windowImagePixels} pixels`);
    assert.ok(this.dict.retainedPixels <= this.windowPixels, `${what}: client holds ${this.dict.retainedPixels} pixels`);
    assert.ok(this.enc.ringPixels <= this.windowPixels, `${what}: encoder keeps ${this.enc.ringPixels} pixels`);
    this.bytes += data.length;
    return data;
  }
}

/** Black glyph-like strokes on white from a few reused glyphs (text-like). */
function textPicture(w: number, h: number, seed: number): Uint32Array {
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
}

function randomPicture(w: number, h: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: w * h }, () => (r() * 0x100000000) >>> 0);
}

/**
 * Walks a GLZ stream's instructions (as spice-gtk reads them) and names the
 * layout of each reference: in-image or cross-image, short/long/very long
 * pixel offset, and how many bytes its image distance took.
 */
function referenceLayouts(data: Uint8Array): Set<string> {
  const h = readGlzHeader(data);
  const n = h.width * h.height;
  const seen = new Set<string>();
  let pos = 33;
  const passes = h.type === 9 ? [0, 2] : [0];
  for (const bias of passes) {
    let op = 0;
    while (op < n) {
      const ctrl = data[pos++];
      if (ctrl < 32) {
        op += ctrl + 1;
        pos += (ctrl + 1) * (bias ? 1 : 3);
        continue;
      }
      let len = ctrl >>> 5;
      if (len === 7) {
        let c: number;
        do {
          c = data[pos++];
          len += c;
        } while (c === 255);
      }
      pos++; // pixel offset bits 4..11
      const code = data[pos++];
      const imageBytes = code >>> 6;
      let dist = 0;
      let layout: string;
      if ((ctrl & 16) === 0) {
        dist = code & 63;
        for (let i = 0; i < imageBytes; i++) dist += data[pos++] << (6 + 8 * i);
        layout = `short+${imageBytes}`;
      } else {
        for (let i = 0; i < imageBytes; i++) dist += data[pos++] << (8 * i);
        const veryLong = (code & 32) !== 0;
        if (veryLong) pos++;
        layout = `${veryLong ? 'verylong' : 'long'}+${imageBytes}`;
      }
      seen.add(`${dist ? 'cross' : 'same'} ${layout}`);
      op += len + bias;
    }
  }
  assert.equal(pos, data.length, 'stream walk ends at the end of the data');
  return seen;
}

// ---------------------------------------------------------------------------
// sequences

test('a sequence of different images decodes exactly, in order, through one dictionary', () => {
  const p = new Pair(1 << 20);
  const sizes: [number, number][] = [[1, 1], [1, 9], [9, 1], [2, 2], [3, 3], [17, 5], [64, 48], [300, 200], [5, 77]];
  let k = 0;
  for (const [w, h] of sizes) {
    for (const pic of [textPicture, randomPicture]) {
      const alpha = k % 3 === 1;
      p.send(full(pic(w, h, ++k), w, h), alpha, `${pic.name} ${w}x${h} #${k}`);
    }
  }
  assert.equal(p.enc.nextImageId, sizes.length * 2);
});

test('the same image again refers to the first one and is much smaller; so is a slightly changed one', () => {
  const p = new Pair(1 << 21);
  const w = 320;
  const h = 240;
  const a = textPicture(w, h, 1);
  const r = rng(4);
  for (let i = 0; i < 9000; i++) a[Math.floor(r() * a.length)] = (0xff000000 | ((r() * 0xffffff) >>> 0)) >>> 0;
  const first = p.send(full(a, w, h), false, 'first').length;
  const again = p.send(full(a, w, h), false, 'again');
  assert.ok(again.length < first / 20, `repeat took ${again.length} bytes, first ${first}`);
  assert.ok([...referenceLayouts(again)].some((l) => l.startsWith('cross')), 'the repeat should refer to the first image');
  // a changed copy: a box drawn over it, and a sub-rectangle of the original
  const b = a.slice();
  for (let y = 50; y < 90; y++) b.fill(0xff804020, y * w + 30, y * w + 200);
  assert.ok(p.send(full(b, w, h), false, 'changed').length < first / 10);
  assert.ok(p.send({ pixels: a, stride: w, x: 40, y: 30, width: 200, height: 100 }, false, 'sub-rectangle').length < first / 20);
  // RGBA after RGB32: the RGB pass refers back; the alpha pass may not (the client's RGB32 images carry no alpha)
  const rgba = p.send(full(a, w, h), true, 'as RGBA');
  assert.ok(rgba.length < first / 10, `RGBA repeat took ${rgba.length} bytes`);
  const ra = rng(8);
  const withAlpha = a.map((v) => ((v & 0xffffff) | (Math.floor(ra() * 4) * 85) << 24) >>> 0);
  const rgba2 = p.send(full(withAlpha, w, h), true, 'with alpha');
  const rgba3 = p.send(full(withAlpha, w, h), true, 'with alpha again');
  assert.ok(rgba3.length < rgba2.length / 20, `alpha repeat took ${rgba3.length} bytes, first ${rgba2.length}`);
});

test('every reference layout appears and decodes: short/long/very long offsets, 0-3 byte image distances', () => {
  const p = new Pair(1 << 20);
  const w = 600;
  const h = 400; // offsets up to 240000: long and very long layouts
  const a = randomPicture(w, h, 7);
  // repeats inside the image: near (short offset), far (long), farther than 2^17 (very long)
  a.copyWithin(1000 + 3000, 1000, 1000 + 500);
  a.copyWithin(10000 + 60000, 10000, 10000 + 500);
  a.copyWithin(20000 + 150000, 20000, 20000 + 500);
  const layouts = new Set<string>();
  for (const l of referenceLayouts(p.send(full(a, w, h), false, 'A'))) layouts.add(l);
  // then rows of A again, each time further back: row k (offset < 4096), rows 20+2k (long
  // offset) and 300+2k (very long), with one-pixel images in between pushing A 1 to 65536+
  // images back (0-3 byte image distances)
  const one = new Uint32Array(1);
  const steps = [0, 70, 300, 16500, 65600];
  for (const [k, target] of steps.entries()) {
    while (p.enc.nextImageId < target + 1) {
      one[0] = (0xff000000 | p.enc.nextImageId) >>> 0;
      p.send(full(one, 1, 1), false, `tiny ${p.enc.nextImageId}`);
    }
    for (const [y, rows] of [[k, 1], [20 + 2 * k, 2], [300 + 2 * k, 2]]) {
      const data = p.send({ pixels: a, stride: w, x: 0, y, width: w, height: rows }, false, `rows ${y} after ${target}`);
      for (const l of referenceLayouts(data)) layouts.add(l);
    }
  }
  const want = ['same short+0', 'same long+0', 'same verylong+0', 'cross short+0', 'cross short+1', 'cross short+2',
    'cross long+1', 'cross long+2', 'cross long+3', 'cross verylong+1', 'cross verylong+2', 'cross verylong+3'];
  for (const l of want) assert.ok(layouts.has(l), `layout ${l} not seen (seen: ${[...layouts].sort().join(', ')})`);
});

test('a small window wraps many times: never a reference to a dropped image, always exact', () => {
  const W = 6000;
  const p = new Pair(W);
  const r = rng(3);
  const screen = textPicture(400, 300, 9);
  const screen2 = screen.map((v, i) => (i % 400 < 200 ? v : (v ^ 0x00ff00ff) >>> 0));
  let pixels = 0;
  for (let k = 0; k < 600; k++) {
    const w = 1 + Math.floor(r() * 99);
    const h = 1 + Math.floor(r() * Math.min(60, W / w));
    const x = Math.floor(r() * (400 - w));
    const y = Math.floor(r() * (300 - h));
    p.send({ pixels: r() < 0.5 ? screen : screen2, stride: 400, x, y, width: w, height: h }, r() < 0.3, `rect ${k}`);
    pixels += w * h;
  }
  assert.ok(pixels > 50 * W, `only ${pixels} pixels sent through a ${W}-pixel window`);
  assert.ok(p.enc.windowImages < 600);
  // the window exactly as large as the image: every image stands alone
  const q = new Pair(64 * 32);
  for (let k = 0; k < 20; k++) {
    const data = q.send({ pixels: screen, stride: 400, x: k * 3, y: k, width: 64, height: 32 }, k % 2 === 0, `full window ${k}`);
    assert.equal(readGlzHeader(data).winHeadDist, 0);
    assert.ok(![...referenceLayouts(data)].some((l) => l.startsWith('cross')));
  }
});

test('the ring grows past its first size up to the window, keeping every image it holds', () => {
  const w = 1280;
  const h = 800;
  const p = new Pair(3 * w * h + 1000);
  const a = textPicture(w, h, 2);
  const b = a.slice();
  for (let y = 100; y < 300; y++) b.fill(0xff336699, y * w + 200, y * w + 600);
  const sizes = [a, b, a, b, a].map((px, k) => p.send(full(px, w, h), k === 1, `frame ${k}`).length);
  assert.ok(p.enc.ringPixels > 1 << 20, `ring of ${p.enc.ringPixels} pixels`);
  assert.ok(sizes[2] < sizes[0] / 20 && sizes[4] < sizes[0] / 20, `repeats: ${sizes.join(', ')}`);
});

test('images are copied: changing the frame buffer after encoding does not matter', () => {
  const p = new Pair(1 << 20);
  const w = 200;
  const h = 100;
  const frame = textPicture(w, h, 5);
  p.send(full(frame, w, h), false, 'before');
  // the server draws over its frame buffer, then sends the new state
  for (let y = 0; y < h; y++) frame.fill(0xff000000 | y, y * w + 50, y * w + 120);
  p.send(full(frame, w, h), false, 'after drawing');
  frame.fill(0xffabcdef);
  p.send({ pixels: frame, stride: w, x: 3, y: 3, width: 20, height: 20 }, true, 'after clearing');
});

test('reset forgets everything: ids restart at 0 and a fresh client dictionary decodes what follows', () => {
  const p = new Pair(1 << 20);
  const a = textPicture(120, 80, 1);
  p.send(full(a, 120, 80), false, 'before reset');
  p.send(full(a, 120, 80), true, 'before reset 2');
  p.enc.reset();
  assert.equal(p.enc.nextImageId, 0);
  assert.equal(p.enc.windowImages, 0);
  const fresh = new GlzDictionary({ windowPixels: 1 << 20, maxRetainedPixels: 1 << 20 });
  const data = p.enc.encode(full(a, 120, 80));
  assert.equal(readGlzHeader(data).id, 0);
  assert.ok(![...referenceLayouts(data)].some((l) => l.startsWith('cross')));
  assert.deepEqual(sync(fresh.decode(data)).pixels, expected(full(a, 120, 80), false));
  assert.deepEqual(sync(fresh.decode(p.enc.encode(full(a, 120, 80)))).pixels, expected(full(a, 120, 80), false));
});

// ---------------------------------------------------------------------------
// golden captures

test('the GLZ images of each golden capture re-encode exactly in order, no larger than 1.10x what the server sent', (t) => {
  let ours = 0;
  let theirs = 0;
  let images = 0;
  for (const f of goldenFiles()) {
    const s = loadGolden(f);
    const dict = new GlzDictionary({ windowPixels: 1 << 25 });
    let p: Pair | undefined;
    let fileOurs = 0;
    let fileTheirs = 0;
    for (const image of displayImages(s)) {
      const type = image.descriptor.type;
      if (type !== 102 && type !== 107) continue; // GLZ_RGB, ZLIB_GLZ_RGB (its GLZ stream, inflated)
      const sent: Uint8Array = type === 102 ? image.lz_rgb.data : inflateZlib(image.zlib_glz.data, image.zlib_glz.glz_data_size);
      const r = sync(dict.decode(sent));
      // the window the client announced in this capture (QEMU's and Xspice's spice-gtk differ)
      p ??= new Pair(f.startsWith('qemu') ? 6290432 : 14679040);
      const data = p.send(full(r.pixels, r.width, r.height), r.format === 'argb', `${f} image ${r.glzId}`);
      fileOurs += data.length;
      fileTheirs += sent.length;
      images++;
    }
    if (p) t.diagnostic(`${f}: server ${fileTheirs} bytes, spice-ts ${fileOurs} (x${(fileOurs / fileTheirs).toFixed(3)})`);
    ours += fileOurs;
    theirs += fileTheirs;
  }
  assert.ok(images >= 150, `expected GLZ images in the golden captures, found ${images}`);
  t.diagnostic(`${images} GLZ images: server ${theirs} bytes, spice-ts ${ours} bytes (x${(ours / theirs).toFixed(3)})`);
  assert.ok(ours <= theirs * 1.1, `spice-ts GLZ output ${ours} bytes is over 1.10x the server's ${theirs}`);
});

// ---------------------------------------------------------------------------
// bad input

test('bad input throws: rectangle outside the buffer, image larger than the window, bad window', () => {
  const isCode = (code: string) => (e: unknown) => e instanceof SpiceError && e.code === code;
  const enc = new GlzEncoder({ windowPixels: 100 });
  const px = new Uint32Array(400);
  assert.throws(() => enc.encode({ pixels: px, stride: 20, x: 15, y: 0, width: 6, height: 1 }), RangeError);
  assert.throws(() => enc.encode({ pixels: px, stride: 20, x: 0, y: 19, width: 5, height: 2 }), RangeError);
  assert.throws(() => enc.encode({ pixels: px, stride: 20, x: 0, y: 0, width: 0, height: 2 }), RangeError);
  assert.throws(() => enc.encode({ pixels: px, stride: 20, x: 0, y: 0, width: 11, height: 10 }), isCode(ErrorCode.BAD_ARGUMENT));
  for (const windowPixels of [0, -5, 1.5, Number.NaN, (1 << 25) + 1]) {
    assert.throws(() => new GlzEncoder({ windowPixels }), isCode(ErrorCode.BAD_ARGUMENT), String(windowPixels));
  }
  // nothing was added by the refused calls
  assert.equal(enc.nextImageId, 0);
  const dict = new GlzDictionary({ windowPixels: 100 });
  const data = enc.encode({ pixels: px.fill(0xff00ff00), stride: 20, x: 0, y: 0, width: 10, height: 10 });
  assert.equal(readGlzHeader(data).id, 0);
  assert.deepEqual(sync(dict.decode(data)).pixels, new Uint32Array(100).fill(0xff00ff00));
});
