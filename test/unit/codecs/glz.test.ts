/**
 * GLZ decoder and dictionary (src/codecs/glz.ts): the GLZ images of the
 * golden captures, fed per session in stream order to one dictionary;
 * streams from a small GLZ encoder written here (cross-image references in
 * every layout, every GLZ type, both row orders); the dictionary's
 * spice-gtk semantics (release after the gap-free run, waiting for images in
 * flight, timeouts, memory cap, reset); malformed input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import { LZ_MAGIC, LZ_VERSION, LzImageType } from '../../../src/codecs/lz.js';
import { GlzDictionary, readGlzHeader, type GlzDecodedImage } from '../../../src/codecs/glz.js';
import { decodeZlibGlz, inflateZlib } from '../../../src/codecs/inflate.js';
import { goldenFiles, loadGolden } from '../../helpers/golden.js';
import { spiceRgb16 } from '../../helpers/rgb16.js';
import { displayImages } from '../../helpers/golden.js';
import { rng } from '../../helpers/sample.js';

// ---------------------------------------------------------------------------
// helpers

const isCode = (code: string) => (e: unknown) => e instanceof SpiceError && e.code === code;
function expectCorrupt(fn: () => unknown, what: string): void {
  assert.throws(fn, isCode(ErrorCode.CORRUPT_IMAGE), what);
}
function sync(r: GlzDecodedImage | Promise<GlzDecodedImage>): GlzDecodedImage {
  assert.ok(!(r instanceof Promise), 'decode should not wait');
  return r as GlzDecodedImage;
}


// ---------------------------------------------------------------------------
// A small GLZ encoder, from the format as spice-gtk's decoder reads it.

interface Source {
  id: number;
  winHeadDist: number;
  type: number;
  width: number;
  height: number;
  topDown: boolean;
  /** Top-down pixel values as sent: 0xRRGGBB, or x555 for RGB16. */
  rgb: number[];
  /** Top-down alpha for RGBA. */
  alpha?: number[];
}

interface EncodeOptions {
  /** Use references into other images. Default true. */
  cross?: boolean;
  /** Write every reference in the long layout (bit 4 of ctrl set). */
  long?: boolean;
}

class GlzTestEncoder {
  /** What the decoder holds for each image: stream order, with spice-gtk's pad bytes. */
  readonly raws = new Map<number, Uint32Array>();
  crossRefs = 0;
  layouts = new Set<string>();

  encode(src: Source, opts: EncodeOptions = {}): Uint8Array {
    const { id, type, width: w, height: h, topDown } = src;
    const n = w * h;
    const out: number[] = [];
    const u32 = (v: number) => out.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    u32(LZ_MAGIC);
    u32(LZ_VERSION);
    out.push(type | (topDown ? 0x10 : 0));
    u32(w);
    u32(h);
    u32(w * (type === LzImageType.RGB16 ? 2 : type === LzImageType.RGB24 ? 3 : 4));
    u32(Math.floor(id / 0x100000000));
    u32(id >>> 0);
    u32(src.winHeadDist);

    const order = (v: number[]) => {
      const rows: number[][] = [];
      for (let y = 0; y < h; y++) rows.push(v.slice(y * w, y * w + w));
      return (topDown ? rows : rows.reverse()).flat();
    };
    const sent = order(src.rgb);
    const want = sent.map((v) => (type === LzImageType.RGB16 ? spiceRgb16(v) : v & 0xffffff));
    const raw = new Uint32Array(n);
    const others = [...this.raws.entries()].filter(([oid]) => oid < id && oid >= id - src.winHeadDist && opts.cross !== false);

    const pass = (alphaPass: boolean, wantV: number[]) => {
      const bias = alphaPass ? 2 : type === LzImageType.RGB16 ? 1 : 0;
      const val = (a: Uint32Array, i: number) => (alphaPass ? a[i] >>> 24 : a[i] & 0xffffff);
      const lits: number[] = [];
      const flush = () => {
        for (let i = 0; i < lits.length; i += 32) {
          const chunk = lits.slice(i, i + 32);
          out.push(chunk.length - 1);
          for (const p of chunk) {
            if (alphaPass) out.push(wantV[p]);
            else if (type === LzImageType.RGB16) out.push((sent[p] >>> 8) & 255, sent[p] & 255);
            else out.push(sent[p] & 255, (sent[p] >>> 8) & 255, (sent[p] >>> 16) & 255);
          }
        }
        lits.length = 0;
      };
      for (let i = 0; i < n;) {
        let best = 0;
        let bestImg = 0;
        let bestOfs = 0;
        for (const d of [1, 2, w]) {
          if (d > i) continue;
          let len = 0;
          // same-image matches may overlap the pixels being written
          while (i + len < n && len < 600 && (len < d ? val(raw, i - d + len) : wantV[i - d + len]) === wantV[i + len]) len++;
          if (len > best) [best, bestImg, bestOfs] = [len, 0, d - 1];
        }
        for (const [oid, other] of others) {
          // a few candidate positions: same position, and the next occurrences of the value
          const cands = [i, i - 1, i + 1];
          for (let j = 0, found = 0; j < other.length && found < 3; j++) if (val(other, j) === wantV[i]) { cands.push(j); found++; }
          for (const c of cands) {
            if (c < 0 || c >= other.length) continue;
            let len = 0;
            while (i + len < n && c + len < other.length && len < 600 && val(other, c + len) === wantV[i + len]) len++;
            if (len > best + 1) [best, bestImg, bestOfs] = [len, id - oid, c];
          }
        }
        if (best >= bias + 2) {
          flush();
          this.emitMatch(out, best - bias, bestImg, bestOfs, opts.long === true);
          const from = bestImg ? (this.raws.get(id - bestImg) as Uint32Array) : raw;
          const start = bestImg ? bestOfs : i - bestOfs - 1;
          for (let k = 0; k < best; k++) {
            raw[i + k] = alphaPass ? ((raw[i + k] & 0xffffff) | (from[start + k] & 0xff000000)) >>> 0 : from[start + k];
          }
          if (bestImg) this.crossRefs++;
          i += best;
        } else {
          raw[i] = alphaPass ? ((raw[i] & 0xffffff) | (wantV[i] << 24)) >>> 0 : want[i];
          lits.push(i);
          i++;
        }
      }
      flush();
    };
    pass(false, want);
    if (type === LzImageType.RGBA) pass(true, order(src.alpha as number[]));
    this.raws.set(id, raw);
    return new Uint8Array(out);
  }

  /** Writes one reference: length field `l` (>= 1), image distance, pixel offset (already unbiased). */
  emitMatch(out: number[], l: number, imageDist: number, ofs: number, forceLong: boolean): void {
    const top = Math.min(l, 7);
    const long = forceLong || ofs >= 1 << 12;
    out.push((top << 5) | (long ? 16 : 0) | (ofs & 15));
    if (top === 7) {
      let rest = l - 7;
      while (rest >= 255) {
        out.push(255);
        rest -= 255;
      }
      out.push(rest);
    }
    out.push((ofs >>> 4) & 255);
    if (!long) {
      const bytes = imageDist < 1 << 6 ? 0 : imageDist < 1 << 14 ? 1 : imageDist < 1 << 22 ? 2 : 3;
      out.push((bytes << 6) | (imageDist & 63));
      for (let i = 0; i < bytes; i++) out.push((imageDist >>> (6 + 8 * i)) & 255);
      this.layouts.add(`short/${bytes}`);
    } else {
      const veryLong = ofs >= 1 << 17 ? 1 : 0;
      const bytes = imageDist === 0 ? 0 : imageDist < 1 << 8 ? 1 : imageDist < 1 << 16 ? 2 : 3;
      out.push((bytes << 6) | (veryLong << 5) | ((ofs >>> 12) & 31));
      for (let i = 0; i < bytes; i++) out.push((imageDist >>> (8 * i)) & 255);
      if (veryLong) out.push((ofs >>> 17) & 255);
      this.layouts.add(`long/${bytes}/${veryLong}`);
    }
  }
}

/** Expected top-down output words for a source image. */
function expectedPixels(src: Source): Uint32Array {
  return new Uint32Array(src.rgb.map((v, i) => {
    const rgb = src.type === LzImageType.RGB16 ? spiceRgb16(v) : v & 0xffffff;
    return src.type === LzImageType.RGBA ? (((src.alpha as number[])[i] << 24) | rgb) >>> 0 : (0xff000000 | rgb) >>> 0;
  }));
}

/** A picture, and variations of it (so images share content). */
function picture(w: number, h: number, seed: number, base?: number[]): number[] {
  const r = rng(seed);
  const colours = [0x000000, 0xffffff, 0x4682b4, 0xff0000, 0x00ff00, 0x123456];
  const px: number[] = [];
  for (let i = 0; i < w * h; i++) {
    if (base && r() < 0.9) px.push(base[i % base.length]);
    else px.push(r() < 0.5 ? colours[Math.floor(r() * colours.length)] : Math.floor(r() * 0x1000000));
  }
  return px;
}

function source(id: number, type: number, w: number, h: number, topDown: boolean, seed: number, base?: number[]): Source {
  let rgb = picture(w, h, seed, base);
  if (type === LzImageType.RGB16) rgb = rgb.map((v) => ((v >>> 9) & 0x7c00) | ((v >>> 6) & 0x3e0) | ((v >>> 3) & 31) | (v & 0x8000));
  const alpha = type === LzImageType.RGBA ? picture(w, h, seed + 1).map((v) => [0, 255, 128, v & 255][v % 4]) : undefined;
  return { id, winHeadDist: id, type, width: w, height: h, topDown, rgb, alpha };
}

// ---------------------------------------------------------------------------
// golden captures

test('GLZ and ZLIB_GLZ images of each golden session decode through one dictionary, in stream order', async () => {
  let total = 0;
  let sessions = 0;
  for (const f of goldenFiles()) {
    const s = loadGolden(f);
    const dict = new GlzDictionary();
    const results: { w: number; h: number; r: GlzDecodedImage | Promise<GlzDecodedImage> }[] = [];
    const headers: { id: number; winHeadDist: number }[] = [];
    // every display channel of the session shares the dictionary
    for (const img of displayImages(s)) {
      const { width: w, height: h, type } = img.descriptor;
      if (type === 102) {
        headers.push(readGlzHeader(img.lz_rgb.data));
        results.push({ w, h, r: dict.decode(img.lz_rgb.data) });
      } else if (type === 107) {
        headers.push(readGlzHeader(inflateZlib(img.zlib_glz.data, img.zlib_glz.glz_data_size)));
        results.push({ w, h, r: decodeZlibGlz(dict, img.zlib_glz.glz_data_size, img.zlib_glz.data) });
      }
    }
    if (!results.length) continue;
    sessions++;
    for (const { w, h, r } of results) {
      const img = await r;
      assert.equal(img.width, w, f);
      assert.equal(img.height, h, f);
      assert.equal(img.pixels.length, w * h);
      total++;
    }
    // what the server's window still covers after the last image is held
    const last = headers.reduce((a, b) => (b.id > a.id ? b : a));
    for (const { id } of headers) {
      if (id >= last.id - last.winHeadDist) assert.ok(dict.has(id), `${f}: image ${id} is in the window of image ${last.id}`);
    }
  }
  assert.ok(sessions >= 4 && total >= 100, `${sessions} sessions, ${total} GLZ images`);
});

// ---------------------------------------------------------------------------
// encoder round trips

test('GLZ round trip: every type, both row orders, references into earlier images in every layout', () => {
  for (const long of [false, true]) {
    const enc = new GlzTestEncoder();
    const dict = new GlzDictionary();
    const base = picture(40, 30, 1);
    const seq = [
      source(0, LzImageType.RGB32, 40, 30, true, 2, base),
      source(1, LzImageType.RGBA, 40, 30, false, 3, base),
      source(2, LzImageType.RGB24, 40, 30, true, 4, base),
      source(3, LzImageType.RGB16, 40, 30, false, 5, base),
      source(4, LzImageType.RGBA, 40, 30, true, 6, base),
      source(5, LzImageType.RGB32, 17, 3, false, 7, base),
      source(6, LzImageType.RGB32, 1, 1, true, 8),
    ];
    for (const src of seq) {
      const r = sync(dict.decode(enc.encode(src, { long })));
      assert.deepEqual(r.pixels, expectedPixels(src), `image ${src.id} (${long ? 'long' : 'short'} layout)`);
      assert.equal(r.glzId, src.id);
      assert.equal(r.format, src.type === LzImageType.RGBA ? 'argb' : 'xrgb');
    }
    assert.ok(enc.crossRefs > 50, `cross-image references: ${enc.crossRefs}`);
  }
});

test('GLZ image distances of 1..3 extra bytes and pixel offsets of 12, 17 and 25 bits', () => {
  // a large first image (long offsets), then images far later in id space (wide image distances)
  const enc = new GlzTestEncoder();
  const dict = new GlzDictionary({ windowPixels: 1 << 20 });
  const big = source(10, LzImageType.RGB32, 600, 400, true, 11);
  sync(dict.decode(enc.encode(big, { cross: false })));
  const dists = [1, 63, 64, 16383, 16384, 255, 256, 65535, 65536, (1 << 22) - 1, 1 << 22, 5_000_000];
  for (const [k, dist] of dists.entries()) {
    const id = 10 + dist;
    // pick rows from the far end of the big image so offsets need 17+ bits
    const row = 220 + ((k * 37) % 180);
    const rgb = big.rgb.slice(row * 600, row * 600 + 600).concat(big.rgb.slice(5 * 600, 6 * 600));
    const src: Source = { id, winHeadDist: dist, type: LzImageType.RGB32, width: 600, height: 2, topDown: true, rgb };
    const data = enc.encode(src, { long: k % 2 === 1 });
    const r = sync(dict.decode(data));
    assert.deepEqual(r.pixels, expectedPixels(src), `distance ${dist}`);
    enc.raws.delete(id);
  }
  for (const layout of ['short/0', 'short/1', 'short/2', 'short/3', 'long/1/1', 'long/2/1', 'long/3/1', 'long/3/0']) {
    assert.ok(enc.layouts.has(layout), `layout ${layout} used (${[...enc.layouts]})`);
  }
});

// ---------------------------------------------------------------------------
// dictionary semantics

function threeImages(): { enc: GlzTestEncoder; srcs: Source[]; data: Uint8Array[] } {
  const enc = new GlzTestEncoder();
  const base = picture(30, 20, 20);
  const srcs = [0, 1, 2].map((id) => source(id, LzImageType.RGB32, 30, 20, true, 30 + id, base));
  const data = srcs.map((s) => enc.encode(s));
  return { enc, srcs, data };
}

test('an image referring to one still in flight waits for it, then resolves', async () => {
  const { srcs, data } = threeImages();
  const dict = new GlzDictionary();
  sync(dict.decode(data[0]));
  const waiting = dict.decode(data[2]);
  assert.ok(waiting instanceof Promise, 'image 2 refers to image 1, not there yet');
  assert.equal(dict.has(2), false);
  // image 1 arrives (on "another channel"), decodes at once, and wakes image 2
  assert.deepEqual(sync(dict.decode(data[1])).pixels, expectedPixels(srcs[1]));
  const r = await waiting;
  assert.deepEqual(r.pixels, expectedPixels(srcs[2]));
  assert.equal(dict.has(2), true);

  // a chain: 2 waits for 1, which waits for 0
  const d2 = new GlzDictionary();
  const p2 = d2.decode(data[2]);
  const p1 = d2.decode(data[1]);
  assert.ok(p1 instanceof Promise && p2 instanceof Promise);
  sync(d2.decode(data[0]));
  assert.deepEqual((await p2).pixels, expectedPixels(srcs[2]));
  assert.deepEqual((await p1).pixels, expectedPixels(srcs[1]));
});

test('waiting gives up after maxWaitMs with GLZ_MISSING', async () => {
  const { data } = threeImages();
  const dict = new GlzDictionary({ maxWaitMs: 40 });
  sync(dict.decode(data[0]));
  const t0 = Date.now();
  const p = dict.decode(data[2]);
  assert.ok(p instanceof Promise);
  await assert.rejects(p, isCode(ErrorCode.GLZ_MISSING));
  assert.ok(Date.now() - t0 >= 35, `rejected after ${Date.now() - t0} ms`);
  // a late image 1 still decodes and nothing is left waiting
  sync(dict.decode(data[1]));
});

test('release follows spice-gtk: ids below (last of the gap-free run).id - win_head_dist, once the gap closes', () => {
  const enc = new GlzTestEncoder();
  const mk = (id: number, whd: number) => enc.encode({ ...source(id, LzImageType.RGB32, 8, 8, true, 50 + id), winHeadDist: whd }, { cross: false });
  const d = [mk(0, 0), mk(1, 1), mk(2, 1), mk(3, 1), mk(4, 1)];
  const dict = new GlzDictionary();
  sync(dict.decode(d[0]));
  sync(dict.decode(d[2])); // 1 is in flight: the run stops at 0, nothing released
  assert.deepEqual([0, 1, 2].map((i) => dict.has(i)), [true, false, true]);
  sync(dict.decode(d[1])); // run reaches 1 (spice-gtk stops at the arriving id): 1 - 1 = 0, nothing below it
  assert.deepEqual([0, 1, 2].map((i) => dict.has(i)), [true, true, true]);
  sync(dict.decode(d[3])); // run reaches 3: release below 3 - 1 = 2
  assert.deepEqual([0, 1, 2, 3].map((i) => dict.has(i)), [false, false, true, true]);
  assert.equal(dict.retainedPixels, 2 * 64);
  // a reference to a released image fails at once, without waiting
  const stale = new GlzTestEncoder();
  stale.raws.set(0, enc.raws.get(0) as Uint32Array);
  const refersTo0 = stale.encode({ ...source(4, LzImageType.RGB32, 8, 8, true, 50), winHeadDist: 4 });
  assert.ok(stale.crossRefs > 0);
  assert.throws(() => dict.decode(refersTo0), isCode(ErrorCode.GLZ_MISSING));
});

test('memory stays under maxRetainedPixels: old images are dropped and references to them fail', async () => {
  const enc = new GlzTestEncoder();
  const base = picture(16, 16, 3);
  // 4 and 5 refer only to the image before them (win_head_dist 1)
  const srcs = [0, 1, 2, 3, 4, 5].map((id) => ({ ...source(id, LzImageType.RGB32, 16, 16, true, 70 + id, base), winHeadDist: id < 4 ? id : 1 }));
  const data = srcs.map((s) => enc.encode(s));
  const dict = new GlzDictionary({ windowPixels: 1024, maxRetainedPixels: 3 * 256, maxWaitMs: 5000 });
  for (const k of [0, 1, 2, 3]) sync(dict.decode(data[k]));
  assert.ok(dict.retainedPixels <= 3 * 256, `retained ${dict.retainedPixels}`);
  assert.equal(dict.has(0), false);
  assert.equal(dict.has(3), true);
  // image 5 waits for 4; the window then moves past 4 (image 6.. arrive), so 5 can never decode
  const p5 = dict.decode(data[5]);
  assert.ok(p5 instanceof Promise);
  const filler = new GlzTestEncoder();
  for (const id of [6, 7, 8, 9]) sync(dict.decode(filler.encode({ ...source(id, LzImageType.RGB32, 16, 16, true, id), winHeadDist: 0 })));
  await assert.rejects(p5, isCode(ErrorCode.GLZ_MISSING));
  assert.ok(dict.retainedPixels <= 3 * 256);
  // an image referring to a dropped one fails at once
  assert.throws(() => dict.decode(data[1]), isCode(ErrorCode.GLZ_MISSING));
});

test('reset drops every image and fails waiting decodes', async () => {
  const { data } = threeImages();
  const dict = new GlzDictionary();
  sync(dict.decode(data[0]));
  const p = dict.decode(data[2]);
  assert.ok(p instanceof Promise);
  dict.reset();
  await assert.rejects(p, isCode(ErrorCode.GLZ_MISSING));
  assert.equal(dict.size, 0);
  assert.equal(dict.retainedPixels, 0);
  // usable again from image 0
  sync(dict.decode(data[0]));
  assert.equal(dict.has(0), true);
});

// ---------------------------------------------------------------------------
// malformed input

test('truncation at every offset throws CORRUPT_IMAGE (never waits)', () => {
  for (const type of [LzImageType.RGB32, LzImageType.RGBA, LzImageType.RGB16, LzImageType.RGB24]) {
    const enc = new GlzTestEncoder();
    const a = enc.encode(source(0, type, 11, 5, true, 1));
    const b = enc.encode(source(1, type, 11, 5, false, 2, picture(11, 5, 1)));
    const dict = new GlzDictionary();
    sync(dict.decode(a));
    for (const data of [a, b]) {
      for (let cut = 0; cut < data.length; cut++) expectCorrupt(() => dict.decode(data.subarray(0, cut)), `type ${type} cut at ${cut}`);
      expectCorrupt(() => dict.decode(new Uint8Array([...data, 0])), `type ${type} trailing byte`);
    }
  }
});

test('bad headers and references throw CORRUPT_IMAGE', () => {
  const enc = new GlzTestEncoder();
  const src = source(3, LzImageType.RGB32, 8, 4, true, 1);
  const good = enc.encode(src, { cross: false });
  const dict = () => new GlzDictionary();
  const patched = (at: number, bytes: number[]) => {
    const d = good.slice();
    d.set(bytes, at);
    return d;
  };
  sync(dict().decode(good));
  expectCorrupt(() => dict().decode(patched(0, [0, 0, 0, 0])), 'bad magic');
  expectCorrupt(() => dict().decode(patched(4, [0, 1, 0, 0])), 'bad version');
  for (const t of [0, 1, 5, 10, 11, 15]) expectCorrupt(() => dict().decode(patched(8, [t])), `type ${t}`);
  expectCorrupt(() => dict().decode(patched(9, [0, 0, 0, 0])), 'width 0');
  expectCorrupt(() => dict().decode(patched(9, [0, 0, 0x40, 0])), 'larger than the window (16384x4)');
  expectCorrupt(() => new GlzDictionary({ windowPixels: 16 }).decode(good), 'larger than a small window');
  expectCorrupt(() => dict().decode(patched(9, [0x7f, 0, 0, 0])), 'huge width');
  expectCorrupt(() => dict().decode(patched(21, [0xff, 0xff, 0xff, 0xff])), 'id beyond 2^53');
  expectCorrupt(() => dict().decode(patched(29, [0, 0, 0, 4])), 'win_head_dist > id');
  assert.equal(readGlzHeader(good).id, 3);

  const hdr = good.subarray(0, 33);
  const img = (stream: number[]) => new Uint8Array([...hdr, ...stream]);
  const e = new GlzTestEncoder();
  const ref = (l: number, imageDist: number, ofs: number) => {
    const out: number[] = [];
    e.emitMatch(out, l, imageDist, ofs, false);
    return out;
  };
  // 8x4 = 32 pixels; literal of 1 pixel then a match
  expectCorrupt(() => dict().decode(img([...ref(1, 0, 0)])), 'same-image match at pixel 0');
  expectCorrupt(() => dict().decode(img([0, 1, 2, 3, ...ref(1, 0, 1)])), 'distance 2 from pixel 1');
  expectCorrupt(() => dict().decode(img([0, 1, 2, 3, ...ref(40, 0, 0)])), 'match past the end');
  expectCorrupt(() => dict().decode(img([31, ...new Array(96).fill(1), 1, 1, 2, 3, 4, 5, 6])), 'literal run past the end');
  expectCorrupt(() => dict().decode(img([0, 1, 2, 3, ...ref(3, 4, 0)])), 'image distance 4 from id 3');
  // a reference past the end of the referenced image
  const d0 = dict();
  const e0 = new GlzTestEncoder();
  sync(d0.decode(e0.encode({ ...source(2, LzImageType.RGB32, 4, 2, true, 9), winHeadDist: 0 }, { cross: false })));
  expectCorrupt(() => d0.decode(img([0, 1, 2, 3, ...ref(5, 1, 4)])), 'pixels 4..9 of an 8-pixel image');
  expectCorrupt(() => d0.decode(img([0, 1, 2, 3, ...ref(2, 1, 70000)])), 'offset beyond the image');
});

test('random corruption of real GLZ streams never hangs and throws only CORRUPT_IMAGE or GLZ_MISSING', async () => {
  const enc = new GlzTestEncoder();
  const base = picture(30, 30, 4);
  const good = [0, 1, 2].map((id) => enc.encode(source(id, LzImageType.RGBA, 30, 30, id % 2 === 0, 90 + id, base)));
  const r = rng(5);
  let errors = 0;
  for (let k = 0; k < 150; k++) {
    const dict = new GlzDictionary({ maxWaitMs: 5 });
    sync(dict.decode(good[0]));
    sync(dict.decode(good[1]));
    const d = good[2].slice();
    for (let j = 0; j < 2; j++) d[33 + Math.floor(r() * (d.length - 33))] = Math.floor(r() * 256);
    try {
      await dict.decode(d);
    } catch (e) {
      assert.ok(e instanceof SpiceError && (e.code === ErrorCode.CORRUPT_IMAGE || e.code === ErrorCode.GLZ_MISSING), String(e));
      errors++;
    }
  }
  assert.ok(errors > 0);
});
