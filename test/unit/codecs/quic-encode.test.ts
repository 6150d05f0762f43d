/**
 * QUIC encoder (src/codecs/encode/quic-encode.ts): round trips through our
 * decoder (and spice-html5's quic.js) on synthetic images of every shape,
 * sub-rectangles of larger buffers, alpha; every QUIC image of the golden
 * captures re-encoded from its decoded pixels and compared with the bytes
 * spice-server sent; bad rectangles.
 *
 * The decoder's framing check applies here too: the reference encoder ends
 * the stream by padding to a word, adding a zero word and one bit never
 * written, so a stream whose model slipped anywhere almost never ends there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQuic, decodeQuicInto, readQuicHeader, type QuicDecodeInfo } from '../../../src/codecs/quic.js';
import { QuicEncoder, encodeQuic, type QuicEncodeOptions } from '../../../src/codecs/encode/quic-encode.js';
import type { EncodeSource } from '../../../src/codecs/encode/types.js';
import { displayImages, goldenFiles, loadGolden } from '../../helpers/golden.js';
import { SPICE_HTML5_DIR, loadSpiceHtml5Quic } from '../../../bench/quic.js';

const required = process.env.SPICE_INTEROP === 'required';
const SPICE_IMAGE_TYPE_QUIC = 1;

// ---------------------------------------------------------------------------
// helpers

/** Deterministic pseudo-random 32-bit words (xorshift32). */
function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

type Kind = 'noise' | 'gradient' | 'flat' | 'text' | 'mixed';

/** A test picture; alpha is random garbage unless `alphaKind` says otherwise. */
function picture(kind: Kind, w: number, h: number, seed: number, alphaKind: 'garbage' | 'shape' = 'garbage'): Uint32Array {
  const r = rng(seed);
  const px = new Uint32Array(w * h);
  const bg = r() & 0xffffff, fg = r() & 0xffffff;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let rgb: number;
      if (kind === 'noise') rgb = r() & 0xffffff;
      else if (kind === 'gradient') rgb = ((x * 255 / Math.max(1, w - 1)) << 16) | ((y * 255 / Math.max(1, h - 1)) << 8) | ((x + y) & 255);
      else if (kind === 'flat') rgb = x < w / 3 ? bg : y < h / 2 ? fg : 0x3a6ea5;
      else if (kind === 'text') rgb = ((x * 7 + (y >> 1) * 13) % 11 < 3 && (y % 14) < 10) ? fg : bg;
      else {
        // desktop-like: flat panels, a gradient title bar, text, a noisy "photo"
        if (y < h / 10) rgb = ((x & 255) << 8) | 0x400000 | (y & 255);
        else if (x > w / 2 && y > h / 2) rgb = (r() & 0x3f3f3f) + 0x604020;
        else if ((x * 5 + y * 3) % 17 < 2 && y % 16 < 11) rgb = fg;
        else rgb = bg;
      }
      const a = alphaKind === 'garbage' ? r() >>> 24 : (x * 3 + y * 5) % 9 < 4 ? 0xff : x < 4 ? 0 : (x * y) & 255;
      px[y * w + x] = ((a << 24) | rgb) >>> 0;
    }
  }
  return px;
}

function whole(pixels: Uint32Array, width: number, height: number): EncodeSource {
  return { pixels, stride: width, x: 0, y: 0, width, height };
}

/** What decoding should give: the rectangle, opaque unless alpha was coded. */
function expected(src: EncodeSource, alpha: boolean): Uint32Array {
  const out = new Uint32Array(src.width * src.height);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const p = src.pixels[(src.y + y) * src.stride + src.x + x]!;
      out[y * src.width + x] = alpha ? p : (p | 0xff000000) >>> 0;
    }
  }
  return out;
}

/** The stream ends exactly at the reference's padding (see the file comment). */
function assertFraming(data: Uint8Array, info: QuicDecodeInfo, what: string): void {
  const used = 160 + info.bitsUsed;
  assert.equal(data.length % 4, 0, `${what}: whole words`);
  assert.equal(info.bitsAvailable, (Math.ceil(used / 32) + 1) * 32, `${what}: stream length vs bits used`);
  for (let bit = used; bit < info.bitsAvailable; bit++) {
    const byte = data[(bit >>> 5) * 4 + 3 - ((bit & 31) >>> 3)]!;
    assert.equal((byte >> (7 - (bit & 7))) & 1, 0, `${what}: padding bit ${bit} is set`);
  }
}

function roundTrip(src: EncodeSource, opts: QuicEncodeOptions, what: string, enc?: QuicEncoder): Uint8Array {
  const data = enc ? enc.encode(src, opts) : encodeQuic(src, opts);
  const h = readQuicHeader(data);
  assert.equal(h.quicType, opts.alpha ? 'rgba' : 'rgb32', what);
  assert.equal(h.width, src.width, what);
  assert.equal(h.height, src.height, what);
  const pixels = new Uint32Array(h.width * h.height);
  const info = decodeQuicInto(data, pixels);
  assertFraming(data, info, what);
  const want = expected(src, opts.alpha === true);
  if (!sameWords(pixels, want)) assert.fail(`${what}: first difference at pixel ${firstDiff(pixels, want)}`);
  return data;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function firstDiff(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function skipOrFail(t: { skip(msg: string): void }, what: string): void {
  if (required) assert.fail(`${what} (SPICE_INTEROP=required)`);
  t.skip(what);
}

// ---------------------------------------------------------------------------
// synthetic round trips

const KINDS: Kind[] = ['noise', 'gradient', 'flat', 'text', 'mixed'];

test('every kind of picture round-trips, RGB32 and RGBA, in many shapes', () => {
  // 1xN, Nx1, 1x1, odd widths, rows across the 2048-pixel model steps
  const sizes: [number, number][] = [
    [1, 1], [1, 37], [37, 1], [2, 2], [3, 5], [4, 4], [5, 3], [17, 9], [63, 31], [101, 7], [2047, 2], [2048, 2],
    [2049, 3], [4500, 2], [1, 5000],
  ];
  let seed = 1;
  for (const kind of KINDS) {
    for (const [w, h] of sizes) {
      for (const alpha of [false, true]) {
        const px = picture(kind, w, h, seed++, alpha ? 'shape' : 'garbage');
        roundTrip(whole(px, w, h), { alpha }, `${kind} ${w}x${h}${alpha ? ' rgba' : ''}`);
      }
    }
  }
});

test('a 1280x800 desktop-like frame round-trips and compresses', () => {
  const w = 1280, h = 800;
  const px = picture('mixed', w, h, 42);
  const data = roundTrip(whole(px, w, h), {}, 'mixed 1280x800');
  assert.ok(data.length < w * h * 4 / 3, `desktop frame compresses (${data.length} bytes)`);
  const noise = roundTrip(whole(picture('noise', w, h, 43), w, h), {}, 'noise 1280x800');
  // Noise cannot compress: 24 bits of entropy a pixel plus a little code overhead.
  assert.ok(noise.length > w * h * 3 && noise.length < w * h * 3.3, `noise: ${noise.length} bytes`);
});

test('flat areas use run mode: a flat frame codes in a few bytes a row', () => {
  const w = 640, h = 480;
  const px = new Uint32Array(w * h).fill(0xff3a6ea5);
  const data = roundTrip(whole(px, w, h), {}, 'flat 640x480');
  assert.ok(data.length < h * 4 + 200, `flat frame: ${data.length} bytes`);
});

test('sub-rectangles of a larger buffer (offsets, stride > width) read only their pixels', () => {
  const W = 301, H = 203;
  const px = picture('mixed', W, H, 7, 'shape');
  const rects: [number, number, number, number][] = [
    [0, 0, W, H], [1, 1, 299, 201], [37, 50, 100, 80], [300, 0, 1, H], [0, 202, W, 1], [150, 100, 1, 1], [5, 7, 3, 190],
  ];
  for (const [x, y, width, height] of rects) {
    for (const alpha of [false, true]) {
      const src: EncodeSource = { pixels: px, stride: W, x, y, width, height };
      const data = roundTrip(src, { alpha }, `rect ${width}x${height}+${x}+${y}${alpha ? ' rgba' : ''}`);
      // The same pixels copied out to a buffer of their own give the same bytes.
      const copy = expected(src, true);
      assert.ok(sameBytes(encodeQuic(whole(copy, width, height), { alpha }), data), `rect ${width}x${height}+${x}+${y}: same as a copy`);
    }
  }
  // A view into a larger Uint32Array (non-zero byteOffset) is read in place.
  const backing = new Uint32Array(W * H + 13);
  backing.set(px, 13);
  const view = backing.subarray(13);
  assert.ok(sameBytes(encodeQuic(whole(view, W, H)), encodeQuic(whole(px, W, H))), 'subarray source');
});

test('RGB32 ignores the alpha byte, RGBA codes it', () => {
  const w = 97, h = 61;
  const withGarbage = picture('text', w, h, 9, 'garbage');
  const opaque = withGarbage.map((p) => (p | 0xff000000) >>> 0);
  // Alpha garbage changes neither the codes nor run detection.
  assert.ok(sameBytes(encodeQuic(whole(withGarbage, w, h)), encodeQuic(whole(opaque, w, h))), 'RGB32 bytes ignore alpha');
  assert.ok(!sameBytes(encodeQuic(whole(withGarbage, w, h), { alpha: true }), encodeQuic(whole(opaque, w, h), { alpha: true })),
    'RGBA bytes depend on alpha');
  roundTrip(whole(withGarbage, w, h), { alpha: true }, 'rgba with random alpha');
  const img = decodeQuic(encodeQuic(whole(withGarbage, w, h), { alpha: true }));
  assert.equal(img.format, 'argb');
});

test('a reused encoder gives the same bytes as a fresh one, whatever came before', () => {
  const enc = new QuicEncoder();
  const cases: { src: EncodeSource; alpha: boolean }[] = [];
  let seed = 100;
  for (const [w, h] of [[1500, 20], [3, 3], [640, 40], [1, 1], [2100, 5], [64, 64], [700, 30]] as [number, number][]) {
    for (const alpha of [true, false]) {
      cases.push({ src: whole(picture(KINDS[seed % KINDS.length]!, w, h, seed, 'shape'), w, h), alpha });
      seed++;
    }
  }
  for (const c of cases) {
    const what = `${c.src.width}x${c.src.height}${c.alpha ? ' rgba' : ''}`;
    const reused = roundTrip(c.src, { alpha: c.alpha }, what, enc);
    const fresh = new QuicEncoder().encode(c.src, { alpha: c.alpha });
    assert.ok(sameBytes(reused, fresh), `${what}: reused encoder`);
    const view = enc.encodeView(c.src, { alpha: c.alpha });
    assert.ok(sameBytes(view, fresh), `${what}: encodeView`);
  }
  // encode() returns a copy that the next call does not overwrite.
  const a = enc.encode(cases[0]!.src);
  const keep = a.slice();
  enc.encode(cases[1]!.src);
  assert.ok(sameBytes(a, keep), 'result survives the next encode');
});

test('spice-html5 quic.js decodes our streams to the same pixels', async (t) => {
  const html5 = await loadSpiceHtml5Quic();
  if (!html5) { skipOrFail(t, `${SPICE_HTML5_DIR}/quic.js not installed (apt-get install spice-html5)`); return; }
  let seed = 500;
  for (const kind of KINDS) {
    for (const [w, h] of [[1, 1], [33, 17], [300, 40], [2100, 3]] as [number, number][]) {
      for (const alpha of [false, true]) {
        const src = whole(picture(kind, w, h, seed++, 'shape'), w, h);
        const data = encodeQuic(src, { alpha });
        const bgra: Uint8Array | undefined = html5(data);
        assert.ok(bgra, `${kind} ${w}x${h}: spice-html5 decoded it`);
        const want = expected(src, alpha);
        for (let i = 0; i < want.length; i++) {
          const p = want[i]!;
          const got: number = ((alpha ? bgra[i * 4 + 3]! << 24 : 0xff000000) | (bgra[i * 4 + 2]! << 16) | (bgra[i * 4 + 1]! << 8) | bgra[i * 4]!) >>> 0;
          if (got !== p) assert.fail(`${kind} ${w}x${h}${alpha ? ' rgba' : ''}: pixel ${i} is ${got.toString(16)}, not ${p.toString(16)}`);
        }
      }
    }
  }
});

// ---------------------------------------------------------------------------
// real servers

test('golden QUIC images re-encode to what spice-server sent', () => {
  let images = 0, identical = 0, ours = 0, theirs = 0;
  const differing: string[] = [];
  for (const file of goldenFiles()) {
    const session = loadGolden(file);
    let k = 0;
    for (const im of displayImages(session)) {
      if (im.descriptor.type !== SPICE_IMAGE_TYPE_QUIC) continue;
      const what = `${session.name} QUIC image ${k++} (${im.descriptor.width}x${im.descriptor.height})`;
      const original = im.quic.data as Uint8Array;
      const dec = decodeQuic(original);
      // Only the types a 32-bit surface produces; spice-server picks RGBA when the surface has alpha.
      if (dec.quicType !== 'rgb32' && dec.quicType !== 'rgba') continue;
      const alpha = dec.quicType === 'rgba';
      const src = whole(dec.pixels, dec.width, dec.height);
      const data = roundTrip(src, { alpha }, what);
      images++;
      ours += data.length;
      theirs += original.length;
      if (sameBytes(data, original)) identical++;
      else differing.push(`${what}: ${data.length} vs ${original.length} bytes`);
    }
  }
  assert.ok(images > 0, 'the golden captures hold QUIC images (xspice-quic)');
  const ratio = ours / theirs;
  console.log(`# golden QUIC: ${images} images, ${identical} byte-identical to spice-server; ` +
    `${ours} bytes vs ${theirs} (ratio ${ratio.toFixed(4)})`);
  assert.ok(ratio <= 1.02, `our total ${ours} bytes is more than 1.02x the server's ${theirs}`);
  // The encoder is deterministic and follows the reference decision for decision.
  assert.deepEqual(differing, [], 'every image byte-identical to the server\'s');
});

// ---------------------------------------------------------------------------
// bad input

test('a rectangle outside the buffer, or not in whole pixels, throws', () => {
  const px = new Uint32Array(100 * 50);
  const bad: Partial<EncodeSource>[] = [
    { x: 1, width: 100 }, { y: 1, height: 50 }, { x: -1 }, { y: -1 }, { width: 0 }, { height: 0 },
    { stride: 99 }, { width: 101 }, { height: 51 }, { x: 0.5, width: 10 }, { width: 10.5 }, { height: Number.NaN },
    { pixels: new Uint32Array(100 * 50 - 1) },
  ];
  for (const b of bad) {
    const src: EncodeSource = { pixels: px, stride: 100, x: 0, y: 0, width: 100, height: 50, ...b };
    assert.throws(() => encodeQuic(src), RangeError, JSON.stringify({ ...b, pixels: undefined }));
  }
  // The last row may end before the stride does.
  const tight: EncodeSource = { pixels: new Uint32Array(99 * 3 + 10), stride: 99, x: 5, y: 1, width: 5, height: 3 };
  assert.doesNotThrow(() => roundTrip(tight, {}, 'tight buffer'));
});
