/**
 * PNG and netpbm reading/writing (src/cli/image-files.ts): round trips, PNGs written by
 * ImageMagick in every colour type / depth / interlacing decoded against ImageMagick's own
 * reading, our PNGs read back by ImageMagick, and malformed input.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  decodePng, decodePnm, encodePng, encodePpm, writeImageFile, type PngFilter, type RgbaImage,
} from '../../src/cli/image-files.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';

const REQUIRED = process.env.SPICE_INTEROP === 'required';

/** A deterministic image with gradients, hard edges and varying alpha. */
function sampleImage(w: number, h: number, alpha: boolean, seed = 1): RgbaImage {
  const px = new Uint32Array(w * h);
  let s = seed >>> 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const noise = s >>> 24;
      const r = (x * 255 / Math.max(1, w - 1)) & 255;
      const g = (y * 255 / Math.max(1, h - 1)) & 255;
      const b = ((x ^ y) * 13 + (noise & 15)) & 255;
      const a = alpha ? ((x * 31 + y * 17) & 255) : 255;
      px[y * w + x] = ((a << 24) | (r << 16) | (g << 8) | b) >>> 0;
    }
  }
  return { width: w, height: h, pixels: px };
}

function samePixels(a: RgbaImage, b: RgbaImage, msg: string): void {
  assert.equal(a.width, b.width, `${msg}: width`);
  assert.equal(a.height, b.height, `${msg}: height`);
  for (let i = 0; i < a.width * a.height; i++) {
    if (a.pixels[i] !== b.pixels[i]) {
      assert.fail(`${msg}: pixel ${i % a.width},${Math.floor(i / a.width)} is 0x${a.pixels[i]!.toString(16)}, expected 0x${b.pixels[i]!.toString(16)}`);
    }
  }
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function throwsCorrupt(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpiceError, `expected SpiceError, got ${String(e)}`);
    assert.equal(e.code, ErrorCode.CORRUPT_IMAGE);
    assert.match(e.message, re);
    return true;
  });
}

// ------------------------------------------------------------ round trips

test('PNG round trip: RGB and RGBA, every filter, odd sizes', () => {
  const filters: PngFilter[] = ['none', 'sub', 'up', 'paeth', 'auto'];
  for (const [w, h] of [[1, 1], [3, 2], [37, 23], [64, 1], [1, 40]] as const) {
    for (const alpha of [false, true]) {
      const img = sampleImage(w, h, alpha, w * 7 + h);
      for (const filter of filters) {
        const png = encodePng(img, { alpha, filter, level: 6 });
        const back = decodePng(png);
        // RGB output drops alpha: the decoded image is opaque.
        const want = alpha ? img : { ...img, pixels: img.pixels.map((p) => (p | 0xff000000) >>> 0) };
        samePixels(back, want, `${w}x${h} alpha=${alpha} filter=${filter}`);
        assert.equal(png[25], alpha ? 6 : 2, 'colour type in IHDR');
      }
    }
  }
});

test('PNG levels 0..9 and zlib strategies all decode to the same image', () => {
  const img = sampleImage(50, 30, true);
  for (let level = 0; level <= 9; level++) samePixels(decodePng(encodePng(img, { alpha: true, level })), img, `level ${level}`);
  // Noise (photo-like: 'auto' picks Z_RLE) and flat colour (default strategy).
  const noise = sampleImage(300, 200, false, 5);
  for (let i = 0, s = 7; i < noise.pixels.length; i++) noise.pixels[i] = (0xff000000 | (s = (Math.imul(s, 69069) + 1) >>> 0) >>> 8) >>> 0;
  const flat = { width: 300, height: 200, pixels: new Uint32Array(60000).fill(0xff336699) };
  for (const im of [noise, flat]) {
    for (const strategy of ['auto', 'default', 'rle'] as const) samePixels(decodePng(encodePng(im, { strategy })), im, `strategy ${strategy}`);
  }
  assert.throws(() => encodePng(flat, { strategy: 'huffman' as 'rle' }), /unknown zlib strategy 'huffman'/);
});

test('PNG encoder rejects bad arguments', () => {
  const img = sampleImage(4, 4, false);
  assert.throws(() => encodePng(img, { level: 11 }), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT);
  assert.throws(() => encodePng({ width: 4, height: 4, pixels: new Uint32Array(15) }), /15 pixels/);
  assert.throws(() => encodePng({ width: 0, height: 4, pixels: new Uint32Array(0) }), /0x4/);
});

test('PPM round trip and netpbm variants (P5, P3, P2, comments, maxval)', () => {
  const img = sampleImage(19, 7, false);
  samePixels(decodePnm(encodePpm(img)), img, 'P6 round trip');
  // Alpha is dropped by PPM.
  const withAlpha = sampleImage(5, 3, true);
  assert.ok(decodePnm(encodePpm(withAlpha)).pixels.every((p) => p >>> 24 === 0xff));

  // Header comments everywhere they are allowed, CRLF line ends.
  const p6 = new Uint8Array([...ascii('P6 # a comment\r\n# another\n2 # w\n1\n#maxval next\n255\n'), 1, 2, 3, 250, 251, 252]);
  samePixels(decodePnm(p6), { width: 2, height: 1, pixels: Uint32Array.of(0xff010203, 0xfffafbfc) }, 'P6 with comments');

  const p5 = new Uint8Array([...ascii('P5\n3 1\n255\n'), 0, 128, 255]);
  samePixels(decodePnm(p5), { width: 3, height: 1, pixels: Uint32Array.of(0xff000000, 0xff808080, 0xffffffff) }, 'P5');

  const p3 = ascii('P3\n# plain\n2 2\n255\n255 0 0   0 255 0\n0 0 255 # comment in raster\n 17 34 51\n');
  samePixels(decodePnm(p3), { width: 2, height: 2, pixels: Uint32Array.of(0xffff0000, 0xff00ff00, 0xff0000ff, 0xff112233) }, 'P3');

  const p2 = ascii('P2 2 1 15 0 15');
  samePixels(decodePnm(p2), { width: 2, height: 1, pixels: Uint32Array.of(0xff000000, 0xffffffff) }, 'P2 maxval 15');

  // maxval 65535: two bytes per sample, big-endian, scaled to 8 bits.
  const p6w = new Uint8Array([...ascii('P6\n1 1\n65535\n'), 0xff, 0xff, 0x80, 0x80, 0x00, 0x00]);
  samePixels(decodePnm(p6w), { width: 1, height: 1, pixels: Uint32Array.of(0xffff8000) }, 'P6 16-bit');
  // maxval 100: 50 -> round(50*255/100) = 128 (127.5 rounds up)
  const p5s = new Uint8Array([...ascii('P5 1 1 100\n'), 50]);
  assert.equal(decodePnm(p5s).pixels[0], 0xff808080);
});

test('malformed PNM -> CORRUPT_IMAGE with a clear message', () => {
  throwsCorrupt(() => decodePnm(ascii('GIF89a')), /not a PNM/);
  throwsCorrupt(() => decodePnm(ascii('P4\n1 1\n\x00')), /P4 is not supported/);
  throwsCorrupt(() => decodePnm(ascii('P6\n2 2\n255\n\x01\x02')), /truncated: raster is 2 bytes, 2x2 needs 12/);
  throwsCorrupt(() => decodePnm(ascii('P6\n2 2\n')), /maxval missing/);
  // A large header over a short file fails before the pixel buffer is allocated.
  throwsCorrupt(() => decodePnm(ascii('P3\n8000 8000\n255\n1 2 3\n')), /truncated: raster is \d+ bytes, 8000x8000 needs 192000000/);
  throwsCorrupt(() => decodePnm(ascii('P6\nx 2\n255\n')), /width is not a number/);
  throwsCorrupt(() => decodePnm(ascii('P6\n2 2\n0\n')), /maxval 0/);
  throwsCorrupt(() => decodePnm(ascii('P6\n0 2\n255\n')), /size 0x2/);
  throwsCorrupt(() => decodePnm(ascii('P3\n1 1\n255\n1 2\n')), /truncated: sample 2 of pixel 0 missing/);
  throwsCorrupt(() => decodePnm(ascii('P3\n1 1\n100\n1 2 300\n')), /300, over maxval 100/);
  assert.throws(() => decodePnm(ascii('P6\n5000 5000\n255\n'), { maxPixels: 1000 }), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.LIMIT);
});

// ------------------------------------------------------------ hand-built PNGs

function crc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  out.set(ascii(type), 4);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc(out.subarray(4, 8 + body.length)));
  return out;
}

function ihdr(w: number, h: number, depth: number, colour: number, interlace = 0): Uint8Array {
  const b = new Uint8Array(13);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, w); dv.setUint32(4, h);
  b[8] = depth; b[9] = colour; b[12] = interlace;
  return chunk('IHDR', b);
}

function png(...chunks: Uint8Array[]): Uint8Array {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const total = 8 + chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  out.set(sig, 0);
  let o = 8;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

const IEND = chunk('IEND', new Uint8Array(0));

test('hand-built PNG: 1-bit palette with tRNS, split IDAT, ancillary chunks skipped', () => {
  // 10x2, 1 bit per index: row 0 = 1010101010, row 1 = 0000011111 (no filter).
  const raw = Uint8Array.of(0, 0b10101010, 0b10000000, 0, 0b00000111, 0b11000000);
  const z = deflateSync(raw);
  const plte = chunk('PLTE', Uint8Array.of(10, 20, 30, 200, 100, 50));
  const trns = chunk('tRNS', Uint8Array.of(0x40)); // entry 0 alpha 0x40, entry 1 opaque
  const text = chunk('tEXt', ascii('Comment\0hello'));
  const file = png(ihdr(10, 2, 1, 3), text, plte, trns, chunk('IDAT', z.subarray(0, 3)), chunk('IDAT', z.subarray(3)), IEND);
  const img = decodePng(file);
  const c0 = 0x400a141e, c1 = 0xffc86432;
  const want = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1].map((i) => (i ? c1 : c0) >>> 0);
  assert.deepEqual([...img.pixels], want);
});

test('hand-built PNG: 16-bit grey with tRNS key, average filter', () => {
  // 2x2 grey16; row 0 filter 0: [0x1234, 0xffff]; row 1 filter 3 (average) of [0x1234, 0x0000]
  const row0 = [0x12, 0x34, 0xff, 0xff];
  const want1 = [0x12, 0x34, 0x00, 0x00];
  const row1 = want1.map((v, i) => {
    const left = i >= 2 ? want1[i - 2]! : 0;
    return (v - ((left + row0[i]!) >> 1)) & 255;
  });
  const raw = Uint8Array.from([0, ...row0, 3, ...row1]);
  const file = png(ihdr(2, 2, 16, 0), chunk('tRNS', Uint8Array.of(0xff, 0xff)), chunk('IDAT', deflateSync(raw)), IEND);
  const img = decodePng(file);
  const g = Math.round(0x1234 / 257);
  const grey = (v: number, a = 0xff) => ((a << 24) | (v << 16) | (v << 8) | v) >>> 0;
  assert.deepEqual([...img.pixels], [grey(g), grey(255, 0), grey(g), grey(0)]);
});

test('malformed PNG -> CORRUPT_IMAGE with a clear message', () => {
  const good = encodePng(sampleImage(8, 8, false));
  throwsCorrupt(() => decodePng(ascii('GIF89a......')), /not a PNG file/);
  // Flip one byte of the IDAT payload: the CRC check catches it.
  const bad = good.slice();
  bad[41 + 2] ^= 0x55;
  throwsCorrupt(() => decodePng(bad), /chunk IDAT at byte 33 has a bad CRC/);
  throwsCorrupt(() => decodePng(good.subarray(0, good.length - 12)), /no IEND/);
  throwsCorrupt(() => decodePng(good.subarray(0, 50)), /truncated: chunk IDAT/);
  throwsCorrupt(() => decodePng(png(ihdr(4, 4, 3, 2), IEND)), /bit depth 3 is invalid for colour type 2 \(RGB\)/);
  throwsCorrupt(() => decodePng(png(ihdr(4, 4, 8, 5), IEND)), /colour type 5 is invalid/);
  throwsCorrupt(() => decodePng(png(ihdr(0, 4, 8, 2), IEND)), /size 0x4 is invalid/);
  throwsCorrupt(() => decodePng(png(chunk('IDAT', new Uint8Array(0)), IEND)), /IHDR must come first/);
  throwsCorrupt(() => decodePng(png(ihdr(4, 4, 8, 2), IEND)), /no IDAT/);
  throwsCorrupt(() => decodePng(png(ihdr(1, 1, 8, 3), chunk('IDAT', deflateSync(Uint8Array.of(0, 0))), IEND)), /no PLTE/);
  throwsCorrupt(() => decodePng(png(ihdr(1, 1, 8, 2), chunk('ABCD', new Uint8Array(1)), chunk('IDAT', deflateSync(new Uint8Array(4))), IEND)), /unknown critical chunk ABCD/);
  // Palette index 2 with a 2-entry palette.
  throwsCorrupt(() => decodePng(png(ihdr(1, 1, 8, 3), chunk('PLTE', new Uint8Array(6)), chunk('IDAT', deflateSync(Uint8Array.of(0, 2))), IEND)), /palette index 2 is beyond the 2-entry palette/);
  // Unknown filter type 9.
  throwsCorrupt(() => decodePng(png(ihdr(1, 1, 8, 0), chunk('IDAT', deflateSync(Uint8Array.of(9, 0))), IEND)), /unknown filter type 9/);
  // Too little data, too much data (a 1x1 image whose IDAT inflates to 1 MB), data that is not zlib.
  throwsCorrupt(() => decodePng(png(ihdr(4, 4, 8, 2), chunk('IDAT', deflateSync(new Uint8Array(10))), IEND)), /image data is 10 bytes, its 4x4 header needs 52/);
  throwsCorrupt(() => decodePng(png(ihdr(1, 1, 8, 0), chunk('IDAT', deflateSync(new Uint8Array(1 << 20))), IEND)), /longer than the 2 bytes/);
  throwsCorrupt(() => decodePng(png(ihdr(1, 1, 8, 0), chunk('IDAT', ascii('not zlib')), IEND)), /does not inflate/);
  assert.throws(() => decodePng(png(ihdr(100000, 100000, 8, 2), IEND)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.LIMIT);
});

test('mutated PNGs and PNMs (CRCs fixed up) decode or throw SpiceError, nothing else', () => {
  const bases = [encodePng(sampleImage(13, 7, true), { alpha: true, filter: 'auto' }), encodePng(sampleImage(9, 9, false))];
  let seed = 99;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let round = 0; round < 400; round++) {
    const f = bases[round & 1]!.slice();
    for (let k = 1 + rnd(4); k > 0; k--) f[8 + rnd(f.length - 8)] = rnd(256);
    // Recompute every chunk CRC so the mutation reaches the parser and the inflater.
    const dv = new DataView(f.buffer);
    for (let o = 8; o + 12 <= f.length;) {
      const len = dv.getUint32(o);
      if (o + 12 + len > f.length) break;
      dv.setUint32(o + 8 + len, crc(f.subarray(o + 4, o + 8 + len)));
      o += 12 + len;
    }
    try { decodePng(f); } catch (e) { assert.ok(e instanceof SpiceError, `round ${round}: ${String(e)}`); }
    const p = encodePpm(sampleImage(5, 4, false));
    for (let k = 1 + rnd(3); k > 0; k--) p[rnd(16)] = rnd(128);
    try { decodePnm(p); } catch (e) { assert.ok(e instanceof SpiceError, `pnm round ${round}: ${String(e)}`); }
  }
});

test('writeImageFile chooses the format by extension', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spice-img-'));
  try {
    const img = sampleImage(9, 5, false);
    await writeImageFile(join(dir, 'a.png'), img);
    await writeImageFile(join(dir, 'a.PPM'), img);
    await writeImageFile(join(dir, 'a.pnm'), img);
    samePixels(decodePng(readFileSync(join(dir, 'a.png'))), img, '.png');
    samePixels(decodePnm(readFileSync(join(dir, 'a.PPM'))), img, '.PPM');
    samePixels(decodePnm(readFileSync(join(dir, 'a.pnm'))), img, '.pnm');
    await assert.rejects(writeImageFile(join(dir, 'a.jpg'), img), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT && /\.png, \.ppm or \.pnm/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------ ImageMagick interop

/** True when a real ImageMagick `convert` (not a stand-in) is on PATH. */
function haveImageMagick(): boolean {
  try {
    return /ImageMagick/.test(execFileSync('convert', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
}

function skipOrFail(t: TestContext, what: string): void {
  if (REQUIRED) assert.fail(`${what} (SPICE_INTEROP=required)`);
  t.skip(what);
}

/**
 * ImageMagick's own reading of a file, as RGBA words. It is asked for 16-bit samples, reduced
 * here with round(v / 257) (exact for 8-bit files, whose samples come back as v * 257);
 * its own -depth 8 reduction of true 16-bit grey differs from that by one in places.
 */
function magickPixels(file: string, w: number, h: number): Uint32Array {
  const bytes = execFileSync('convert', [file, '-endian', 'LSB', '-depth', '16', 'rgba:-'], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(bytes.length, w * h * 8, `convert wrote ${bytes.length} bytes of 16-bit rgba for ${w}x${h}`);
  const px = new Uint32Array(w * h);
  const s = (i: number, c: number) => Math.round(bytes.readUInt16LE(8 * i + 2 * c) / 257);
  for (let i = 0; i < w * h; i++) px[i] = ((s(i, 3) << 24) | (s(i, 0) << 16) | (s(i, 1) << 8) | s(i, 2)) >>> 0;
  return px;
}

const MAGICK_CASES: { name: string; out: string; args: string[] }[] = [
  { name: 'RGB 8', out: 'PNG24:rgb8.png', args: ['-alpha', 'off'] },
  { name: 'RGB 8 + tRNS key', out: 'PNG24:rgb8t.png', args: ['-channel', 'A', '-threshold', '50%', '+channel'] },
  { name: 'RGBA 8', out: 'PNG32:rgba8.png', args: [] },
  { name: 'RGB 16', out: 'PNG48:rgb16.png', args: ['-alpha', 'off'] },
  { name: 'RGBA 16', out: 'PNG64:rgba16.png', args: [] },
  { name: 'palette 8', out: 'PNG8:pal8.png', args: ['-alpha', 'off', '-colors', '200'] },
  { name: 'palette + tRNS', out: 'PNG8:pal8t.png', args: ['-channel', 'A', '-threshold', '50%', '+channel', '-colors', '8'] },
  { name: 'palette 4', out: 'pal4.png', args: ['-alpha', 'off', '-colors', '9', '-define', 'png:color-type=3', '-define', 'png:bit-depth=4'] },
  { name: 'palette 2', out: 'pal2.png', args: ['-alpha', 'off', '-colors', '3', '-define', 'png:color-type=3', '-define', 'png:bit-depth=2'] },
  { name: 'grey 1', out: 'g1.png', args: ['-alpha', 'off', '-colorspace', 'Gray', '-depth', '1', '-define', 'png:color-type=0', '-define', 'png:bit-depth=1'] },
  { name: 'grey 2', out: 'g2.png', args: ['-alpha', 'off', '-colorspace', 'Gray', '-depth', '2', '-define', 'png:color-type=0', '-define', 'png:bit-depth=2'] },
  { name: 'grey 4', out: 'g4.png', args: ['-alpha', 'off', '-colorspace', 'Gray', '-depth', '4', '-define', 'png:color-type=0', '-define', 'png:bit-depth=4'] },
  { name: 'grey 8', out: 'g8.png', args: ['-alpha', 'off', '-colorspace', 'Gray', '-define', 'png:color-type=0', '-define', 'png:bit-depth=8'] },
  { name: 'grey 8 + tRNS key', out: 'g8t.png', args: ['-channel', 'A', '-threshold', '50%', '+channel', '-colorspace', 'Gray', '-depth', '8', '-define', 'png:color-type=0'] },
  { name: 'grey 16', out: 'g16.png', args: ['-alpha', 'off', '-colorspace', 'Gray', '-depth', '16', '-define', 'png:color-type=0', '-define', 'png:bit-depth=16'] },
  { name: 'grey+alpha 8', out: 'ga8.png', args: ['-colorspace', 'Gray', '-define', 'png:color-type=4', '-define', 'png:bit-depth=8'] },
  { name: 'grey+alpha 16', out: 'ga16.png', args: ['-colorspace', 'Gray', '-depth', '16', '-define', 'png:color-type=4', '-define', 'png:bit-depth=16'] },
  { name: 'interlaced RGBA 8', out: 'PNG32:i-rgba8.png', args: ['-interlace', 'PNG'] },
  { name: 'interlaced RGB 16', out: 'i-rgb16.png', args: ['-interlace', 'PNG', '-alpha', 'off', '-depth', '16', '-define', 'png:color-type=2', '-define', 'png:bit-depth=16'] },
  { name: 'interlaced grey 1', out: 'i-g1.png', args: ['-interlace', 'PNG', '-alpha', 'off', '-colorspace', 'Gray', '-depth', '1', '-define', 'png:color-type=0', '-define', 'png:bit-depth=1'] },
  { name: 'interlaced palette', out: 'PNG8:i-pal.png', args: ['-interlace', 'PNG', '-alpha', 'off', '-colors', '100'] },
];

test('decodes PNGs written by ImageMagick (colour types, depths, interlacing)', async (t) => {
  if (!haveImageMagick()) return skipOrFail(t, 'ImageMagick `convert` is not installed (apt-get install imagemagick)');
  const dir = mkdtempSync(join(tmpdir(), 'spice-img-'));
  try {
    const covered = new Set<string>();
    // Sizes that leave Adam7 passes empty or partial, and rows that end mid-byte at low depths.
    for (const [w, h] of [[37, 23], [3, 5], [1, 1]] as const) {
      const src = join(dir, `src-${w}x${h}.png`);
      writeFileSync(src, encodePng(sampleImage(w, h, true, w + h), { alpha: true }));
      for (const c of MAGICK_CASES) {
        if (w === 1 && !c.name.startsWith('interlaced')) continue; // 1x1: only Adam7's first pass has data
        const [prefix, name] = c.out.includes(':') ? c.out.split(':') as [string, string] : ['', c.out];
        const file = join(dir, `${w}x${h}-${name}`);
        execFileSync('convert', [src, ...c.args, prefix ? `${prefix}:${file}` : file], { stdio: ['ignore', 'ignore', 'pipe'] });
        const bytes = readFileSync(file);
        const kind = `type ${bytes[25]} depth ${bytes[24]}${bytes[28] ? ' interlaced' : ''}${bytes.includes(Buffer.from('tRNS')) ? ' tRNS' : ''}`;
        covered.add(kind);
        const img = decodePng(bytes);
        samePixels(img, { width: w, height: h, pixels: magickPixels(file, w, h) }, `${c.name} ${w}x${h} (${kind})`);
      }
    }
    t.diagnostic(`covered: ${[...covered].sort().join('; ')}`);
    // Whatever ImageMagick version wrote them, every colour type, 16-bit, sub-byte depths,
    // interlacing and tRNS must have been exercised.
    const all = [...covered].join(';');
    for (const want of ['type 0 depth 1', 'type 0 depth 16', 'type 2 depth 8', 'type 2 depth 16', 'type 3', 'type 4', 'type 6', 'interlaced', 'tRNS']) {
      assert.ok(all.includes(want), `no ImageMagick case produced '${want}' (covered: ${all})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ImageMagick reads our PNGs and PPMs pixel for pixel; we read its P6/P5/P3', async (t) => {
  if (!haveImageMagick()) return skipOrFail(t, 'ImageMagick `convert` is not installed (apt-get install imagemagick)');
  const dir = mkdtempSync(join(tmpdir(), 'spice-img-'));
  try {
    for (const alpha of [false, true]) {
      for (const filter of ['sub', 'up', 'paeth', 'auto'] as const) {
        const img = sampleImage(61, 17, alpha, 3);
        const file = join(dir, `ours-${alpha}-${filter}.png`);
        writeFileSync(file, encodePng(img, { alpha, filter }));
        const info = execFileSync('identify', ['-format', '%w %h %[channels]', file], { encoding: 'utf8' });
        assert.match(info, alpha ? /^61 17 s?rgba/ : /^61 17 s?rgb\b/, `identify says: ${info}`);
        const want = alpha ? img.pixels : img.pixels.map((p) => (p | 0xff000000) >>> 0);
        samePixels({ width: 61, height: 17, pixels: magickPixels(file, 61, 17) }, { ...img, pixels: want }, `ours alpha=${alpha} ${filter}`);
      }
    }
    const img = sampleImage(33, 9, false, 4);
    const ppm = join(dir, 'ours.ppm');
    await writeImageFile(ppm, img);
    samePixels({ width: 33, height: 9, pixels: magickPixels(ppm, 33, 9) }, img, 'ours.ppm');
    // And the other way: ImageMagick's P6/P5/P3 output (what `import ... ppm:-` writes).
    const src = join(dir, 'src.png');
    writeFileSync(src, encodePng(img));
    for (const [fmt, args] of [['ppm', []], ['pgm', ['-colorspace', 'Gray']], ['ppm', ['-compress', 'none']]] as const) {
      const out = execFileSync('convert', [src, ...args, '-depth', '8', `${fmt}:-`], { maxBuffer: 1 << 24 });
      const file = join(dir, `magick-${args.length}.${fmt}`);
      writeFileSync(file, out);
      samePixels(decodePnm(out), { width: 33, height: 9, pixels: magickPixels(file, 33, 9) }, `convert ${args.join(' ')} ${fmt}:-`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

