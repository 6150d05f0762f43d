/**
 * Baseline JPEG encoder (src/codecs/encode/jpeg-encode*.ts): its tables and
 * arithmetic on their own (zigzag, quality scaling, DCT constants, the exact
 * quantiser, the DCT against a floating-point one), then whole files: our
 * decoder and libjpeg-turbo's djpeg read them to the same pixels, close to the
 * source (PSNR); cjpeg (what spice-server's libjpeg would write for the same
 * pixels) gives the same bytes; odd sizes, sub-rectangles, reuse, bad arguments.
 *
 * djpeg/cjpeg come from Debian's libjpeg-turbo-progs; without them those
 * comparisons skip, and fail when SPICE_INTEROP=required.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeJpeg, JpegEncoder } from '../../../src/codecs/encode/jpeg-encode.js';
import { quantTable, qualityScale, ZIGZAG_ORDER, huffmanCodes, AC_LUMA, AC_CHROMA, DC_LUMA, DC_CHROMA } from '../../../src/codecs/encode/jpeg-encode-tables.js';
import { FDCT_CONSTANTS, fdctQuantize, quantDivisors } from '../../../src/codecs/encode/jpeg-encode-fdct.js';
import type { EncodeSource } from '../../../src/codecs/encode/types.js';
import { decodeJpeg } from '../../../src/codecs/jpeg.js';
import { ZIGZAG } from '../../../src/codecs/jpeg-huffman.js';
import { rng } from '../../helpers/sample.js';
import { goldenJpegs } from '../../helpers/golden.js';

const REQUIRED = process.env.SPICE_INTEROP === 'required';

function toolPresent(name: string): boolean {
  const r = spawnSync(name, ['-version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}
const HAVE_DJPEG = toolPresent('djpeg');
const HAVE_CJPEG = toolPresent('cjpeg');
const CJPEG_IS_TURBO = HAVE_CJPEG && /libjpeg-turbo/.test(spawnSync('cjpeg', ['-version'], { encoding: 'utf8' }).stderr ?? '');

function needTool(t: TestContext, tool: string, present: boolean): boolean {
  if (present) return true;
  const msg = `${tool} not found (Debian package libjpeg-turbo-progs)`;
  if (REQUIRED) assert.fail(`${msg} (SPICE_INTEROP=required)`);
  t.skip(msg);
  return false;
}

let tmp: string | undefined;
let fileNo = 0;
function tmpFile(name: string, data: Uint8Array): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'spice-jpeg-encode-test-'));
  const f = join(tmp, `${fileNo++}-${name}`);
  writeFileSync(f, data);
  return f;
}
process.on('exit', () => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

// ---------------------------------------------------------------- inputs

type Kind = 'photo' | 'desktop' | 'noise' | 'saturated';

/** w x h opaque pixels: smooth colour fields with grain, a flat desktop with text, noise, or pure colours. */
function makePixels(kind: Kind, w: number, h: number, seed = 7): Uint32Array {
  const r = rng(seed);
  const px = new Uint32Array(w * h);
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let c: number[];
      if (kind === 'photo' || (kind === 'desktop' && x < w / 3 && y < h / 3)) {
        c = [0, 1, 2].map((k) => clamp(128 + 60 * Math.sin(x * (0.011 + k * 0.003) + y * 0.007 + k)
          + 50 * Math.cos(y * (0.019 - k * 0.004) - x * 0.005 * k) + (r() - 0.5) * 12));
      } else if (kind === 'desktop') {
        const win = ((x >> 7) + (y >> 6)) % 4;
        c = [[235, 235, 235], [70, 110, 150], [200, 170, 140], [250, 250, 250]][win];
        if (win !== 1 && y % 16 < 10 && (x * 7 + (y >> 4) * 13) % 11 < 5 && x % 80 < 60) c = [20, 20, 20];
      } else if (kind === 'noise') {
        c = [r() * 256, r() * 256, r() * 256].map(Math.floor);
      } else {
        c = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]][Math.floor(r() * 5)];
      }
      px[y * w + x] = (0xff000000 | (c[0] << 16) | (c[1] << 8) | c[2]) >>> 0;
    }
  }
  return px;
}

function whole(pixels: Uint32Array, w: number, h: number): EncodeSource {
  return { pixels, stride: w, x: 0, y: 0, width: w, height: h };
}

/** The rectangle as a binary PPM (what cjpeg reads). */
function ppm(src: EncodeSource): Uint8Array {
  const head = new TextEncoder().encode(`P6\n${src.width} ${src.height}\n255\n`);
  const out = new Uint8Array(head.length + src.width * src.height * 3);
  out.set(head);
  let p = head.length;
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const v = src.pixels[(src.y + y) * src.stride + src.x + x];
      out[p++] = (v >>> 16) & 255;
      out[p++] = (v >>> 8) & 255;
      out[p++] = v & 255;
    }
  }
  return out;
}

function psnr(src: EncodeSource, pixels: Uint32Array): number {
  let se = 0;
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const a = src.pixels[(src.y + y) * src.stride + src.x + x];
      const b = pixels[y * src.width + x];
      for (const s of [0, 8, 16]) {
        const d = ((a >>> s) & 255) - ((b >>> s) & 255);
        se += d * d;
      }
    }
  }
  const mse = se / (src.width * src.height * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** djpeg's reading (libjpeg defaults: islow, fancy upsampling) as 0xFFRRGGBB words. */
function djpeg(jpeg: Uint8Array): { width: number; height: number; pixels: Uint32Array } {
  const r = spawnSync('djpeg', ['-ppm', tmpFile('in.jpg', jpeg)], { maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `djpeg failed: ${r.stderr?.toString()}`);
  const b = new Uint8Array(r.stdout);
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(new TextDecoder('latin1').decode(b.subarray(0, 40)));
  assert.ok(m, 'djpeg wrote a P6 PPM');
  const width = Number(m[1]);
  const height = Number(m[2]);
  const pixels = new Uint32Array(width * height);
  for (let i = 0, p = m[0].length; i < pixels.length; i++, p += 3) pixels[i] = (0xff000000 | (b[p] << 16) | (b[p + 1] << 8) | b[p + 2]) >>> 0;
  return { width, height, pixels };
}

/** cjpeg as spice-server's libjpeg is set up: defaults (islow, 2x2), quality Q, baseline quantisers. */
function cjpeg(src: EncodeSource, quality: number): Uint8Array {
  const r = spawnSync('cjpeg', ['-quality', String(quality), '-sample', '2x2', '-baseline'], { input: ppm(src), maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `cjpeg failed: ${r.stderr?.toString()}`);
  return new Uint8Array(r.stdout);
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

// ---------------------------------------------------------------- tables and arithmetic

test('zigzag order is the decoder\'s', () => {
  assert.deepEqual(ZIGZAG_ORDER, ZIGZAG);
  assert.deepEqual([...ZIGZAG_ORDER.subarray(0, 6)], [0, 1, 8, 16, 9, 2]);
});

test('quality scaling as libjpeg: 50 keeps Annex K, 100 gives all ones, 85 scales by 30%, baseline clamp at 255', () => {
  assert.equal(qualityScale(50), 100);
  assert.equal(qualityScale(85), 30);
  assert.equal(qualityScale(10), 500);
  assert.equal(qualityScale(1), 5000);
  const l50 = quantTable(false, 50);
  assert.deepEqual([l50[0], l50[1], l50[8], l50[63]], [16, 11, 12, 99]);
  assert.ok(quantTable(true, 100).every((v) => v === 1));
  const l85 = quantTable(false, 85);
  assert.equal(l85[0], Math.floor((16 * 30 + 50) / 100));
  assert.ok(quantTable(false, 1).every((v) => v === 255), 'quality 1 saturates at the baseline limit');
});

test('Huffman tables: complete prefix codes over 162 AC / 12 DC symbols, none all ones', () => {
  for (const [spec, n] of [[DC_LUMA, 12], [DC_CHROMA, 12], [AC_LUMA, 162], [AC_CHROMA, 162]] as const) {
    assert.equal(spec.symbols.length, n);
    assert.equal(new Set(spec.symbols).size, n, 'symbols are distinct');
    const codes = huffmanCodes(spec);
    // Kraft sum < 1 (JPEG reserves the all-ones code) and no code is a prefix of another
    let kraft = 0;
    const list: string[] = [];
    for (const s of spec.symbols) {
      const len = codes[s] & 31;
      kraft += 2 ** -len;
      const bits = (codes[s] >>> 5).toString(2).padStart(len, '0');
      assert.ok(bits.includes('0'), 'no all-ones code');
      list.push(bits);
    }
    assert.ok(kraft < 1);
    list.sort();
    for (let i = 1; i < list.length; i++) assert.ok(!list[i].startsWith(list[i - 1]), `${list[i - 1]} is a prefix of ${list[i]}`);
  }
  // the commonest AC symbols get the shortest codes: EOB is 4 bits (luma) / 2 bits (chroma)
  assert.equal(huffmanCodes(AC_LUMA)[0x00] & 31, 4);
  assert.equal(huffmanCodes(AC_CHROMA)[0x00] & 31, 2);
});

test('DCT constants are the 13-bit fixed-point values of their names', () => {
  const names: Record<string, number> = {
    F_0_298: 0.298631336, F_0_390: 0.390180644, F_0_541: 0.5411961, F_0_765: 0.765366865, F_0_899: 0.899976223,
    F_1_175: 1.175875602, F_1_501: 1.50132111, F_1_847: 1.847759065, F_1_961: 1.96157056, F_2_053: 2.053119869,
    F_2_562: 2.562915447, F_3_072: 3.072711026,
  };
  for (const [k, v] of Object.entries(names)) assert.equal(FDCT_CONSTANTS[k as keyof typeof FDCT_CONSTANTS], Math.round(v * 8192), k);
});

test('the multiply-and-shift quantiser divides exactly for every divisor and numerator it can meet', () => {
  const table = new Uint8Array(64);
  for (let q = 1; q <= 255; q += 64) {
    // 64 divisors at a time: 8 * q .. 8 * (q + 63)
    for (let i = 0; i < 64; i++) table[i] = Math.min(255, q + i);
    const { mults, shifts } = quantDivisors(table);
    for (let i = 0; i < 64; i++) {
      const d = table[i] * 8;
      const m = mults[i];
      const s = shifts[i];
      for (let n = 0; n < 1 << 15; n++) {
        if (Math.imul(n, m) >>> s !== Math.floor(n / d)) assert.fail(`divisor ${d}, numerator ${n}`);
      }
    }
  }
});

test('the integer DCT matches a floating-point DCT within rounding', () => {
  const r = rng(3);
  const plane = new Uint8Array(8 * 8);
  const ones = quantDivisors(new Uint8Array(64).fill(1)); // divide by 8 only: true coefficients
  const unzigzag = new Uint8Array(64);
  for (let k = 0; k < 64; k++) unzigzag[ZIGZAG_ORDER[k]] = k;
  const ws = new Int32Array(64);
  const out = new Int32Array(64);
  for (let trial = 0; trial < 200; trial++) {
    for (let i = 0; i < 64; i++) plane[i] = trial % 3 === 0 ? Math.floor(r() * 256) : Math.round(128 + 100 * Math.sin(i * (trial + 1) * 0.1));
    fdctQuantize(plane, 0, 8, ws, ones, unzigzag, out);
    for (let v = 0; v < 8; v++) {
      for (let u = 0; u < 8; u++) {
        let sum = 0;
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) sum += (plane[y * 8 + x] - 128) * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
        const cu = u === 0 ? Math.SQRT1_2 : 1;
        const cv = v === 0 ? Math.SQRT1_2 : 1;
        const exact = (cu * cv * sum) / 4;
        const got = out[unzigzag[v * 8 + u]];
        assert.ok(Math.abs(got - exact) <= 1, `trial ${trial} (${u},${v}): ${got} vs ${exact.toFixed(2)}`);
      }
    }
  }
});

// ---------------------------------------------------------------- whole files

test('our decoder reads our JPEGs: sizes, markers, PSNR >= 30 dB on a photo at q85, rising with quality', () => {
  const src = whole(makePixels('photo', 320, 240), 320, 240);
  const data = encodeJpeg(src);
  assert.deepEqual([...data.subarray(0, 4)], [0xff, 0xd8, 0xff, 0xe0], 'SOI then JFIF APP0');
  assert.deepEqual([...data.subarray(6, 11)], [0x4a, 0x46, 0x49, 0x46, 0], 'JFIF');
  assert.deepEqual([...data.subarray(data.length - 2)], [0xff, 0xd9], 'EOI');
  const d = decodeJpeg(data);
  assert.equal(d.width, 320);
  assert.equal(d.height, 240);
  const p85 = psnr(src, d.pixels);
  assert.ok(p85 >= 30, `PSNR ${p85.toFixed(2)} dB at q85`);
  const p50 = psnr(src, decodeJpeg(encodeJpeg(src, { quality: 50 })).pixels);
  const p95 = psnr(src, decodeJpeg(encodeJpeg(src, { quality: 95 })).pixels);
  assert.ok(p50 < p85 && p85 < p95, `PSNR rises with quality: ${p50.toFixed(1)} < ${p85.toFixed(1)} < ${p95.toFixed(1)}`);
  const flat = whole(new Uint32Array(64 * 48).fill(0xff336699), 64, 48);
  assert.ok(psnr(flat, decodeJpeg(encodeJpeg(flat)).pixels) > 45, 'a flat colour comes back (nearly) exact');
});

test('djpeg reads our JPEGs to exactly our decoder\'s pixels (odd sizes, sub-rectangles, qualities)', (t) => {
  if (!needTool(t, 'djpeg', HAVE_DJPEG)) return;
  const big = makePixels('desktop', 1300, 820, 11);
  const cases: [string, EncodeSource, number][] = [
    ['photo 1x1', whole(makePixels('photo', 1, 1), 1, 1), 85],
    ['photo 17x9', whole(makePixels('photo', 17, 9), 17, 9), 85],
    ['noise 33x47 q95', whole(makePixels('noise', 33, 47), 33, 47), 95],
    ['saturated 40x24 q20', whole(makePixels('saturated', 40, 24), 40, 24), 20],
    ['desktop 1281x801 sub-rectangle', { pixels: big, stride: 1300, x: 7, y: 11, width: 1281, height: 801 }, 85],
    ['desktop 15x1 sub-rectangle', { pixels: big, stride: 1300, x: 1285, y: 819, width: 15, height: 1 }, 85],
  ];
  for (const [label, src, quality] of cases) {
    const data = encodeJpeg(src, { quality });
    const ours = decodeJpeg(data);
    const theirs = djpeg(data);
    assert.equal(theirs.width, src.width, label);
    assert.equal(theirs.height, src.height, label);
    const i = ours.pixels.findIndex((v, k) => v !== theirs.pixels[k]);
    assert.equal(i, -1, `${label}: first differing pixel ${i}`);
    if (quality >= 85 && label.startsWith('photo')) assert.ok(psnr(src, ours.pixels) >= 30, `${label}: PSNR`);
  }
});

test('cjpeg -quality Q -sample 2x2 -baseline writes the same file for the same pixels', (t) => {
  if (!needTool(t, 'cjpeg', HAVE_CJPEG)) return;
  const cases: [Kind, number, number, number][] = [
    ['photo', 1, 1, 85], ['photo', 17, 9, 85], ['photo', 33, 47, 85], ['photo', 1281, 801, 85],
    ['desktop', 1280, 800, 85], ['noise', 61, 35, 85], ['saturated', 50, 30, 85],
    ['photo', 100, 60, 1], ['noise', 64, 64, 10], ['photo', 100, 60, 50], ['desktop', 200, 120, 95], ['noise', 31, 31, 100],
  ];
  let ours = 0;
  let theirs = 0;
  for (const [kind, w, h, q] of cases) {
    const src = whole(makePixels(kind, w, h, w + h), w, h);
    const a = encodeJpeg(src, { quality: q });
    const b = cjpeg(src, q);
    ours += a.length;
    theirs += b.length;
    const label = `${kind} ${w}x${h} q${q}: ours ${a.length} bytes, cjpeg ${b.length}`;
    if (CJPEG_IS_TURBO) {
      // libjpeg-turbo's arithmetic is what the encoder reproduces: nothing may differ
      assert.equal(firstDifference(a, b), -1, `${label}: first difference at byte ${firstDifference(a, b)}`);
    } else {
      assert.ok(Math.abs(a.length / b.length - 1) <= 0.15, `${label}: not within 15%`);
    }
  }
  t.diagnostic(`${cases.length} images: ours ${ours} bytes, cjpeg ${theirs} bytes, ratio ${(ours / theirs).toFixed(4)}${CJPEG_IS_TURBO ? ' (byte-identical files)' : ''}`);
});

test('spice-server\'s JPEG images in the golden captures carry our header byte for byte', () => {
  const images = goldenJpegs().filter((g) => !g.mjpeg);
  assert.ok(images.length > 0, 'the captures hold a JPEG image');
  for (const g of images) {
    // everything up to the end of SOS: APP0, both DQT (quality 85), SOF0 (2x2), the four DHT, SOS
    let p = 2;
    for (;;) {
      assert.equal(g.data[p], 0xff, `${g.label}: marker at ${p}`);
      const marker = g.data[p + 1];
      p += 2 + ((g.data[p + 2] << 8) | g.data[p + 3]);
      if (marker === 0xda) break;
    }
    const decoded = decodeJpeg(g.data);
    const ours = encodeJpeg(whole(decoded.pixels, decoded.width, decoded.height));
    assert.deepEqual(ours.subarray(0, p), g.data.subarray(0, p), g.label);
    // and the decoded picture re-encodes to about the size spice-server's libjpeg made
    assert.ok(Math.abs(ours.length / g.data.length - 1) < 0.15, `${g.label}: ${ours.length} vs ${g.data.length} bytes`);
  }
});

test('a sub-rectangle encodes as the same rectangle copied out; alpha is ignored', () => {
  const W = 200;
  const H = 90;
  const px = makePixels('photo', W, H, 4);
  const rect = { x: 31, y: 17, width: 77, height: 45 };
  const copy = new Uint32Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) copy.set(px.subarray((rect.y + y) * W + rect.x, (rect.y + y) * W + rect.x + rect.width), y * rect.width);
  const a = encodeJpeg({ pixels: px, stride: W, ...rect });
  assert.deepEqual(a, encodeJpeg(whole(copy, rect.width, rect.height)));
  const r = rng(5);
  const translucent = copy.map((v) => ((v & 0xffffff) | (Math.floor(r() * 256) << 24)) >>> 0);
  assert.deepEqual(encodeJpeg(whole(translucent, rect.width, rect.height)), a);
});

test('a JpegEncoder reused across sizes and qualities gives the bytes of a fresh one', () => {
  const enc = new JpegEncoder({ quality: 70 });
  const big = whole(makePixels('desktop', 500, 300), 500, 300);
  const small = whole(makePixels('photo', 9, 33), 9, 33);
  const a1 = enc.encode(big);
  const b1 = enc.encode(small);
  const a2 = enc.encode(big);
  assert.deepEqual(a1, a2);
  assert.notEqual(a1.buffer, a2.buffer, 'each result owns its bytes');
  assert.deepEqual(b1, new JpegEncoder({ quality: 70 }).encode(small));
  assert.deepEqual(encodeJpeg(small, { quality: 70 }), b1);
  assert.notDeepEqual(encodeJpeg(small, { quality: 71 }), b1);
  assert.equal(enc.quality, 70);
  assert.equal(new JpegEncoder().quality, 85, 'spice-server\'s default');
});

test('bad arguments: quality outside 1..100, rectangles outside the buffer, over 65535 pixels wide', () => {
  for (const quality of [0, 101, NaN, -5]) assert.throws(() => new JpegEncoder({ quality }), RangeError, String(quality));
  const px = new Uint32Array(100);
  assert.throws(() => encodeJpeg({ pixels: px, stride: 10, x: 1, y: 0, width: 10, height: 1 }), RangeError);
  assert.throws(() => encodeJpeg({ pixels: px, stride: 10, x: 0, y: 0, width: 10, height: 11 }), RangeError);
  assert.throws(() => encodeJpeg({ pixels: px, stride: 10, x: 0, y: 0, width: -1, height: 1 }), RangeError);
  assert.throws(() => encodeJpeg(whole(new Uint32Array(65536), 65536, 1)), RangeError);
  const widest = encodeJpeg(whole(new Uint32Array(65535).fill(0xff808080), 65535, 1));
  assert.equal(decodeJpeg(widest).width, 65535);
});
