/**
 * QUIC decoder (src/codecs/quic.ts): the fuzzing vectors of spice-common, every
 * QUIC image of the golden captures, pixel-for-pixel agreement with
 * spice-html5's quic.js where it supports the type, round trips through a
 * small QUIC encoder written here (every type, rows wider than one model
 * step), and malformed input.
 *
 * QUIC has no checksum, but its framing gives a strong desynchronisation
 * check: the encoder ends the stream by padding to a word, adding a zero word
 * and one more bit that is never written. A decoder that followed the
 * encoder's model bit for bit stops exactly at that padding; one that slipped
 * anywhere almost never does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import {
  QUIC_MAGIC, decodeQuic, decodeQuicInto, readQuicHeader, type QuicDecodeInfo, type QuicType,
} from '../../../src/codecs/quic.js';
import { FAMILY_5BPC, FAMILY_8BPC, MEL_BITS, RAND6, WM_MAX, WM_STEP, WM_TRIGGER } from '../../../src/codecs/quic-tables.js';
import {
  SPICE_HTML5_DIR, goldenQuicImages, loadSpiceHtml5Quic, type GoldenQuic, type Html5QuicDecode,
} from '../../../bench/quic.js';

const required = process.env.SPICE_INTEROP === 'required';
const VECTORS = process.env.SPICE_QUIC_VECTORS ?? join(process.cwd(), '..', 'shared', 'vectors', 'quic');

// ---------------------------------------------------------------------------
// helpers

function expectCorrupt(fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE, what);
}

/** Deterministic pseudo-random numbers in [0, 1) (xorshift32). */
function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** The stream ends exactly where the encoder's padding starts, and the padding is zero. */
function assertEndsAtPadding(data: Uint8Array, info: QuicDecodeInfo, what: string): void {
  const used = 160 + info.bitsUsed;
  assert.equal(info.bitsAvailable, (Math.ceil(used / 32) + 1) * 32, `${what}: stream length vs bits used`);
  for (let bit = used; bit < info.bitsAvailable; bit++) {
    const word = bit >>> 5;
    const byte = data[word * 4 + 3 - ((bit & 31) >>> 3)]!;
    assert.equal((byte >> (7 - (bit & 7))) & 1, 0, `${what}: padding bit ${bit} is set`);
  }
}

function decodeWithInfo(data: Uint8Array): { pixels: Uint32Array; info: QuicDecodeInfo } {
  const h = readQuicHeader(data);
  const pixels = new Uint32Array(h.width * h.height);
  return { pixels, info: decodeQuicInto(data, pixels) };
}

let goldenCache: GoldenQuic[] | undefined;
/** The golden captures' QUIC images, loaded once for all tests. */
function golden(): GoldenQuic[] {
  return (goldenCache ??= goldenQuicImages());
}

function vectorFiles(): string[] | undefined {
  if (!existsSync(VECTORS)) return undefined;
  return readdirSync(VECTORS).filter((f) => f.endsWith('.quic')).sort().map((f) => join(VECTORS, f));
}

function skipOrFail(t: { skip(msg: string): void }, what: string): void {
  if (required) assert.fail(`${what} (SPICE_INTEROP=required)`);
  t.skip(what);
}

// ---------------------------------------------------------------------------
// a small QUIC encoder (test only): the same model as the decoder, driven
// from the other side, so that every type and shape can be round-tripped

interface Planes { type: QuicType; width: number; height: number; planes: Uint8Array[] }

function encodeQuic(img: Planes): Uint8Array {
  const { type, width, height, planes } = img;
  const f = type === 'rgb16' ? FAMILY_5BPC : FAMILY_8BPC;
  const words: number[] = [];
  let acc = 0;
  let nbits = 0;
  const put = (value: number, len: number): void => {
    for (let b = len - 1; b >= 0; b--) {
      acc = (acc << 1) | ((value >>> b) & 1);
      if (++nbits === 32) { words.push(acc >>> 0); acc = 0; nbits = 0; }
    }
  };
  const typeNum = ['gray', 'rgb16', 'rgb24', 'rgb32', 'rgba'].indexOf(type) + 1;
  for (const w of [QUIC_MAGIC, 0, typeNum, width, height]) put(w, 32);

  const newState = () => ({ wait: 0, seed: 255, wm: 0, left: WM_STEP, mel: 0 });
  const nch = planes.length;
  const counters = planes.map(() => new Int32Array(8 * 8));
  const best = planes.map(() => new Uint8Array(8).fill(f.bpc - 1));
  const corr = planes.map(() => new Uint8Array(width + 1));
  const fold = (d: number): number => { d &= f.mask; return d <= f.mask >> 1 ? d << 1 : ((f.mask - d) << 1) + 1; };
  const update = (c: number, ctx: number, v: number, trigger: number): void => {
    const b = f.bucketOf[ctx & f.mask]!;
    const cnt = counters[c]!;
    let code = f.bpc - 1;
    let min = Infinity;
    for (let l = f.bpc - 1; l >= 0; l--) {
      cnt[b * 8 + l] += f.codeLen[v * 8 + l]!;
      if (cnt[b * 8 + l]! < min) { min = cnt[b * 8 + l]!; code = l; }
    }
    best[c]![b] = code;
    if (min > trigger) for (let l = 0; l < f.bpc; l++) cnt[b * 8 + l] >>>= 1;
  };
  const golomb = (c: number, ctx: number, v: number): void => {
    const l = best[c]![f.bucketOf[ctx & f.mask]!]!;
    if (v < f.grCount[l]!) {
      put(0, v >> l);
      put(1, 1);
      if (l) put(v & ((1 << l) - 1), l);
    } else {
      put(v - f.grCount[l]!, f.escapeLen[l]!);
    }
  };
  type State = ReturnType<typeof newState>;
  const runOut = (st: State, len: number): void => {
    while (len >= 1 << MEL_BITS[st.mel]!) {
      put(1, 1);
      len -= 1 << MEL_BITS[st.mel]!;
      if (st.mel < 31) st.mel++;
    }
    put(len, MEL_BITS[st.mel]! + 1);
    if (st.mel) st.mel--;
  };
  const px = (c: number, y: number, x: number): number => planes[c]![y * width + x]!;
  // channels [c0, c1) share state `st`
  const segment = (st: State, c0: number, c1: number, y: number, start: number, end: number): void => {
    const waitMask = (1 << st.wm) - 1;
    const trigger = WM_TRIGGER[st.wm]!;
    const same = (ya: number, xa: number, yb: number, xb: number): boolean => {
      for (let c = c0; c < c1; c++) if (px(c, ya, xa) !== px(c, yb, xb)) return false;
      return true;
    };
    let stop = start + st.wait;
    let runAt = 0;
    let i = start;
    while (i < end) {
      if (y > 0 && i > 2 && runAt !== i && same(y - 1, i - 1, y - 1, i) && same(y, i - 1, y, i - 2)) {
        const wait = stop - i;
        runAt = i;
        let len = 0;
        while (same(y, i, y, i - 1)) {
          len++;
          if (++i === end) { runOut(st, len); st.wait = wait; return; }
        }
        runOut(st, len);
        stop = i + wait;
        continue;
      }
      for (let c = c0; c < c1; c++) {
        const x = px(c, y, i);
        let pred: number;
        if (y === 0) pred = i === 0 ? 0 : px(c, 0, i - 1);
        else pred = i === 0 ? px(c, y - 1, 0) : (px(c, y, i - 1) + px(c, y - 1, i)) >> 1;
        const v = fold(x - pred);
        golomb(c, corr[c]![i]!, v);
        corr[c]![i + 1] = v;
      }
      if (i === stop) {
        for (let c = c0; c < c1; c++) update(c, corr[c]![i]!, corr[c]![i + 1]!, trigger);
        st.seed = (st.seed + 1) & 255;
        stop = i + 1 + (RAND6[st.seed]! & waitMask);
      }
      i++;
    }
    st.wait = stop - end;
  };
  const row = (st: State, c0: number, c1: number, y: number): void => {
    let pos = 0;
    let w = width;
    while (st.wm < WM_MAX && st.left <= w) {
      if (st.left) { segment(st, c0, c1, y, pos, pos + st.left); w -= st.left; pos += st.left; }
      st.wm++;
      st.left = WM_STEP;
    }
    if (w) { segment(st, c0, c1, y, pos, pos + w); if (st.wm < WM_MAX) st.left -= w; }
  };
  const rgb = newState();
  const alpha = newState();
  for (let y = 0; y < height; y++) {
    if (y) for (const k of corr) k[0] = k[1]!;
    if (nch === 1) row(alpha, 0, 1, y);
    else {
      row(rgb, 0, 3, y);
      if (nch === 4) row(alpha, 3, 4, y);
    }
  }
  // flush as the reference encoder does: pad the word, one zero word, one bit never written
  if (nbits) put(0, 32 - nbits);
  put(0, 32);
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, k) => dv.setUint32(k * 4, w, true));
  return out;
}

/** Test images with noise, flat areas (run mode), gradients and repeated rows. */
function makePlanes(type: QuicType, width: number, height: number, seed: number): Planes {
  const r = rng(seed);
  const nch = type === 'gray' ? 1 : type === 'rgba' ? 4 : 3;
  const max = type === 'rgb16' ? 31 : 255;
  const planes = Array.from({ length: nch }, () => new Uint8Array(width * height));
  const style = seed % 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const k = r();
      for (let c = 0; c < nch; c++) {
        const p = planes[c]!;
        let v: number;
        if (style === 0) v = Math.floor(r() * (max + 1));
        else if (style === 1) v = x > 0 && k < 0.85 ? p[i - 1]! : Math.floor(r() * (max + 1));
        else if (style === 2) v = (x + 2 * y + c * 40 + Math.floor(r() * 4)) & max;
        else v = y > 0 && k < 0.5 ? p[i - width]! : x > 0 && k < 0.9 ? p[i - 1]! : Math.floor(r() * (max + 1));
        p[i] = v;
      }
    }
  }
  return { type, width, height, planes };
}

function expectedPixels(img: Planes): Uint32Array {
  const out = new Uint32Array(img.width * img.height);
  const [a, b, c, d] = img.planes;
  const x5 = (v: number) => (v << 3) | (v >> 2);
  for (let i = 0; i < out.length; i++) {
    if (img.type === 'gray') out[i] = (0xff000000 | (a![i]! * 0x010101)) >>> 0;
    else if (img.type === 'rgb16') out[i] = (0xff000000 | (x5(a![i]!) << 16) | (x5(b![i]!) << 8) | x5(c![i]!)) >>> 0;
    else out[i] = (((d ? d[i]! : 255) << 24) | (a![i]! << 16) | (b![i]! << 8) | c![i]!) >>> 0;
  }
  return out;
}

// ---------------------------------------------------------------------------
// the fuzzing vectors of spice-common (../shared/vectors/quic)

test('spice-common QUIC vectors decode with the documented types and sizes', (t) => {
  const files = vectorFiles();
  if (!files) { skipOrFail(t, `no QUIC vectors at ${VECTORS} (set SPICE_QUIC_VECTORS)`); return; }
  // /work/shared/vectors/README.md: RGB24 59x24, RGB16 87x17, GRAY 87x29, RGBA 94x82
  const expected = new Set(['rgb24 59x24', 'rgb16 87x17', 'gray 87x29', 'rgba 94x82']);
  const seen = new Set<string>();
  for (const file of files) {
    const data = new Uint8Array(readFileSync(file));
    const { pixels, info } = decodeWithInfo(data);
    seen.add(`${info.quicType} ${info.width}x${info.height}`);
    assertEndsAtPadding(data, info, file);
    const img = decodeQuic(data);
    assert.deepEqual(img.pixels, pixels, `${file}: decodeQuic and decodeQuicInto agree`);
    assert.equal(img.format, info.quicType === 'rgba' ? 'argb' : 'xrgb');
    for (const p of pixels) {
      if (info.quicType !== 'rgba') assert.equal(p >>> 24, 0xff, `${file}: opaque`);
      if (info.quicType === 'gray') assert.ok(((p >> 16) & 255) === (p & 255) && ((p >> 8) & 255) === (p & 255), `${file}: gray`);
      if (info.quicType === 'rgb16') {
        for (const ch of [p >> 16, p >> 8, p]) {
          const v = ch & 255;
          assert.equal(v, ((v >> 3) << 3) | (v >> 5), `${file}: 5-bit channel widened by replicating its top bits`);
        }
      }
    }
  }
  assert.deepEqual([...seen].sort(), [...expected].sort());
});

// ---------------------------------------------------------------------------
// real servers

test('every QUIC image of the golden captures decodes to its descriptor size', () => {
  const images = golden();
  assert.ok(images.length > 0, 'golden captures hold QUIC images (xspice-quic)');
  for (const im of images) {
    const { info } = decodeWithInfo(im.data);
    assert.equal(info.width, im.width, im.where);
    assert.equal(info.height, im.height, im.where);
    assertEndsAtPadding(im.data, info, im.where);
  }
});

test('pixels equal spice-html5 quic.js on every golden image and vector it supports', async (t) => {
  const html5: Html5QuicDecode | undefined = await loadSpiceHtml5Quic();
  if (!html5) { skipOrFail(t, `${SPICE_HTML5_DIR}/quic.js not installed (apt-get install spice-html5)`); return; }
  const cases = golden().map((im) => ({ name: im.where, data: im.data }));
  for (const f of vectorFiles() ?? []) cases.push({ name: f, data: new Uint8Array(readFileSync(f)) });
  const compared = new Map<QuicType, number>();
  for (const c of cases) {
    const ours = decodeQuic(c.data);
    const theirs = html5(c.data); // B,G,R,(A) bytes; undefined for RGB16 and GRAY
    if (!theirs) {
      assert.ok(ours.quicType === 'rgb16' || ours.quicType === 'gray', `${c.name}: spice-html5 failed on ${ours.quicType}`);
      continue;
    }
    const expect = new Uint32Array(ours.pixels.length);
    for (let i = 0; i < expect.length; i++) {
      const a = ours.quicType === 'rgba' ? theirs[i * 4 + 3]! : 0xff;
      expect[i] = ((a << 24) | (theirs[i * 4 + 2]! << 16) | (theirs[i * 4 + 1]! << 8) | theirs[i * 4]!) >>> 0;
    }
    assert.deepEqual(ours.pixels, expect, c.name);
    compared.set(ours.quicType, (compared.get(ours.quicType) ?? 0) + 1);
  }
  assert.ok((compared.get('rgba') ?? 0) > 0 && (compared.get('rgb32') ?? 0) > 0, `compared: ${[...compared]}`);
});

// ---------------------------------------------------------------------------
// round trips

test('every type round-trips through the test encoder, rows narrower and wider than a model step', () => {
  const sizes: [number, number][] = [[1, 1], [1, 9], [2, 3], [4, 4], [37, 11], [300, 30], [2047, 3], [2049, 3], [4500, 4]];
  let seed = 1;
  for (const type of ['gray', 'rgb16', 'rgb24', 'rgb32', 'rgba'] as QuicType[]) {
    for (const [w, h] of sizes) {
      for (let k = 0; k < 2; k++) {
        const img = makePlanes(type, w, h, seed++);
        const data = encodeQuic(img);
        const what = `${type} ${w}x${h} seed ${seed - 1}`;
        const { pixels, info } = decodeWithInfo(data);
        assert.equal(info.quicType, type, what);
        assert.deepEqual(pixels, expectedPixels(img), what);
        assertEndsAtPadding(data, info, what);
      }
    }
  }
});

test('unaligned input and a reused output buffer decode the same', () => {
  const img = makePlanes('rgba', 53, 17, 3);
  const data = encodeQuic(img);
  const shifted = new Uint8Array(data.length + 1).subarray(1);
  shifted.set(data);
  const out = new Uint32Array(53 * 17 + 10).fill(0x12345678);
  decodeQuicInto(shifted, out);
  assert.deepEqual(out.subarray(0, 53 * 17), expectedPixels(img));
  assert.equal(out[53 * 17], 0x12345678, 'nothing written past width*height');
  assert.throws(() => decodeQuicInto(data, new Uint32Array(10)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT);
});

// ---------------------------------------------------------------------------
// malformed input

function header(type: number, width: number, height: number, magic = QUIC_MAGIC, version = 0): Uint8Array {
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  [magic, version, type, width, height].forEach((w, k) => dv.setUint32(k * 4, w >>> 0, true));
  return b;
}

test('bad magic, version, type or size are CORRUPT_IMAGE', () => {
  expectCorrupt(() => decodeQuic(header(3, 4, 4, 0x43495552)), 'bad magic');
  expectCorrupt(() => decodeQuic(header(3, 4, 4, QUIC_MAGIC, 1)), 'bad version');
  expectCorrupt(() => decodeQuic(header(3, 4, 4, QUIC_MAGIC, 0x10000)), 'bad major version');
  for (const type of [0, 6, 100, 0xffffffff]) expectCorrupt(() => decodeQuic(header(type, 4, 4)), `type ${type}`);
  expectCorrupt(() => decodeQuic(header(3, 0, 4)), 'zero width');
  expectCorrupt(() => decodeQuic(header(3, 4, 0)), 'zero height');
  expectCorrupt(() => decodeQuic(header(3, 0x80000000, 1)), 'negative width (as C reads it)');
  expectCorrupt(() => decodeQuic(header(3, 65536, 65536)), 'over the default pixel limit');
  expectCorrupt(() => decodeQuic(header(5, 100, 100), { maxPixels: 9999 }), 'over a caller limit');
  expectCorrupt(() => decodeQuic(new Uint8Array(0)), 'empty');
  expectCorrupt(() => decodeQuic(header(3, 4, 4).subarray(0, 19)), 'short header');
  // a valid header with nothing (or garbage) after it
  expectCorrupt(() => decodeQuic(header(3, 4, 4).subarray(0, 20)), 'no bit stream');
  expectCorrupt(() => decodeQuic(header(5, 1024, 1024)), 'large image, 44 zero bytes of stream');
  const zeros = new Uint8Array(4096);
  zeros.set(header(3, 300, 200).subarray(0, 20));
  expectCorrupt(() => decodeQuic(zeros), 'zero bits: 26-bit escape codes until the stream ends');
});

test('a stream cut anywhere is CORRUPT_IMAGE', () => {
  const streams: { name: string; data: Uint8Array }[] = [];
  for (const type of ['gray', 'rgb16', 'rgb24', 'rgba'] as QuicType[]) {
    streams.push({ name: type, data: encodeQuic(makePlanes(type, 23, 9, 7)) });
  }
  for (const f of vectorFiles() ?? []) streams.push({ name: f, data: new Uint8Array(readFileSync(f)) });
  for (const s of streams) {
    // every word of the stream is needed (the decoder reads one word ahead and the
    // encoder writes exactly that far), and a partial last word is ignored
    const cuts: number[] = [];
    if (s.data.length <= 1024) for (let len = 0; len < s.data.length; len++) cuts.push(len);
    else {
      const r = rng(s.data.length);
      for (let len = 0; len < 64; len++) cuts.push(len, s.data.length - 1 - len);
      for (let k = 0; k < 200; k++) cuts.push(Math.floor(r() * s.data.length));
    }
    for (const len of cuts) expectCorrupt(() => decodeQuic(s.data.subarray(0, len)), `${s.name} cut at ${len}`);
    assert.doesNotThrow(() => decodeQuic(s.data), s.name);
  }
});

test('random bit flips either decode or are CORRUPT_IMAGE, within bounded time', { timeout: 60_000 }, () => {
  const streams: Uint8Array[] = [];
  for (const type of ['gray', 'rgb16', 'rgb24', 'rgba'] as QuicType[]) streams.push(encodeQuic(makePlanes(type, 61, 19, 11)));
  for (const f of vectorFiles() ?? []) streams.push(new Uint8Array(readFileSync(f)));
  for (const im of golden().filter((g) => g.width * g.height < 20_000).slice(0, 4)) streams.push(im.data);
  const r = rng(99);
  let failed = 0;
  let decoded = 0;
  for (let k = 0; k < 600; k++) {
    const src = streams[k % streams.length]!;
    const d = src.slice();
    // flips in the header too, one time in four
    const from = k % 4 === 0 ? 0 : 160;
    for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
      const bit = from + Math.floor(r() * (d.length * 8 - from));
      d[bit >> 3] ^= 1 << (bit & 7);
    }
    const t0 = performance.now();
    try {
      decodeQuic(d, { maxPixels: 1 << 22 });
      decoded++;
    } catch (e) {
      assert.ok(e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE, `flip ${k}: ${String(e)}`);
      failed++;
    }
    assert.ok(performance.now() - t0 < 2000, `flip ${k} took too long`);
  }
  assert.ok(failed > 0 && decoded > 0, `${decoded} decoded, ${failed} rejected`);
});
