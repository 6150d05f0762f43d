/**
 * JPEG decoding (src/codecs/jpeg*.ts): every JPEG in the golden captures (the JPEG part of
 * JPEG_ALPHA images, MJPEG stream frames) decodes to the right size, and to exactly the
 * pixels libjpeg-turbo's djpeg gives with spice-gtk's settings (images: `djpeg`, libjpeg
 * defaults; MJPEG: `djpeg -dct fast -nosmooth`); JPEGs made by cjpeg in every sampling
 * layout, with restart markers, optimised tables, greyscale and odd sizes likewise; and
 * malformed input (truncation at every offset, corrupt headers and scan data, huge sizes,
 * unsupported processes) fails with a SpiceError, never anything else.
 *
 * djpeg/cjpeg come from Debian's libjpeg-turbo-progs; without them those comparisons skip,
 * and fail under SPICE_INTEROP=required.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  browserJpegDecoder, createJpegDecoder, createPureJpegDecoder, decodeJpeg, JPEG_IMAGE_OPTIONS, MJPEG_FRAME_OPTIONS, pureJpegDecoder,
  type JpegOptions,
} from '../../../src/codecs/jpeg.js';
import type { DecodedImage } from '../../../src/codecs/types.js';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import { goldenJpegs, type GoldenJpeg } from '../../helpers/golden.js';

const REQUIRED = process.env.SPICE_INTEROP === 'required';

// ---------------------------------------------------------------- golden corpus

const GOLDEN: GoldenJpeg[] = goldenJpegs();

// ---------------------------------------------------------------- djpeg / cjpeg

function toolPresent(name: string): boolean {
  const r = spawnSync(name, ['-version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}
const HAVE_DJPEG = toolPresent('djpeg');
const HAVE_CJPEG = toolPresent('cjpeg');

/** Skips (or fails under SPICE_INTEROP=required) when `tool` is missing; true = go on. */
function needTool(t: TestContext, tool: string, present: boolean): boolean {
  if (present) return true;
  const msg = `${tool} not found (Debian package libjpeg-turbo-progs)`;
  if (REQUIRED) assert.fail(`${msg} (SPICE_INTEROP=required)`);
  t.skip(msg);
  return false;
}

const DJPEG_ARGS = { image: [] as string[], mjpeg: ['-dct', 'fast', '-nosmooth'] };

interface Pnm { width: number; height: number; channels: number; data: Uint8Array }

function parsePnm(b: Uint8Array): Pnm {
  const fields: string[] = [];
  let p = 0;
  while (fields.length < 4) {
    while (b[p] === 0x20 || b[p] === 0x0a || b[p] === 0x0d || b[p] === 0x09) p++;
    const s = p;
    while (p < b.length && !(b[p] === 0x20 || b[p] === 0x0a || b[p] === 0x0d || b[p] === 0x09)) p++;
    fields.push(String.fromCharCode(...b.subarray(s, p)));
  }
  p++;
  const channels = fields[0] === 'P5' ? 1 : fields[0] === 'P6' ? 3 : 0;
  assert.ok(channels > 0 && fields[3] === '255', `unexpected PNM header ${fields.join(' ')}`);
  return { width: Number(fields[1]), height: Number(fields[2]), channels, data: b.subarray(p) };
}

let tmp: string | undefined;
function tmpDir(): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'spice-jpeg-test-'));
  return tmp;
}
process.on('exit', () => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

let fileNo = 0;
function djpeg(jpeg: Uint8Array, args: string[]): Pnm {
  const f = join(tmpDir(), `in${fileNo++}.jpg`);
  writeFileSync(f, jpeg);
  const r = spawnSync('djpeg', [...args, f], { maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `djpeg ${args.join(' ')} failed: ${r.stderr?.toString()}`);
  return parsePnm(new Uint8Array(r.stdout));
}

/** Asserts `img` equals djpeg's output exactly; the message names the first differing pixel. */
function assertSameAsDjpeg(img: DecodedImage, ref: Pnm, label: string): void {
  assert.equal(img.width, ref.width, `${label}: width`);
  assert.equal(img.height, ref.height, `${label}: height`);
  const n = ref.width * ref.height;
  const o = ref.channels === 3 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const q = i * ref.channels;
    const want = (0xff000000 | (ref.data[q] << 16) | (ref.data[q + o] << 8) | ref.data[q + 2 * o]) >>> 0;
    if (img.pixels[i] !== want) {
      assert.fail(`${label}: pixel (${i % ref.width},${Math.floor(i / ref.width)}) is 0x${img.pixels[i].toString(16)}, djpeg gives 0x${want.toString(16)}`);
    }
  }
}

// ---------------------------------------------------------------- golden tests

test('golden captures hold JPEG_ALPHA images and MJPEG frames', () => {
  assert.ok(GOLDEN.some((g) => !g.mjpeg), 'no JPEG/JPEG_ALPHA image found in xspice-jpeg-zlib-glz');
  assert.ok(GOLDEN.filter((g) => g.mjpeg).length >= 20, 'fewer than 20 MJPEG frames in xspice-stream-mjpeg');
});

test('every golden JPEG and MJPEG frame decodes to its announced size, opaque', () => {
  for (const g of GOLDEN) {
    const img = decodeJpeg(g.data, g.mjpeg ? MJPEG_FRAME_OPTIONS : JPEG_IMAGE_OPTIONS);
    assert.equal(img.width, g.width, `${g.label}: width`);
    assert.equal(img.height, g.height, `${g.label}: height`);
    assert.equal(img.format, 'xrgb');
    assert.equal(img.pixels.length, g.width * g.height);
    for (let i = 0; i < img.pixels.length; i++) assert.equal(img.pixels[i] >>> 24, 0xff, `${g.label}: alpha`);
    // Not a flat image: the captures show a plasma picture.
    assert.ok(new Set(img.pixels).size > 50, `${g.label}: only ${new Set(img.pixels).size} colours`);
  }
});

test('golden JPEGs give exactly the pixels of libjpeg-turbo with spice-gtk settings', (t) => {
  if (!needTool(t, 'djpeg', HAVE_DJPEG)) return;
  for (const g of GOLDEN) {
    const mode = g.mjpeg ? 'mjpeg' : 'image';
    const img = decodeJpeg(g.data, g.mjpeg ? MJPEG_FRAME_OPTIONS : JPEG_IMAGE_OPTIONS);
    assertSameAsDjpeg(img, djpeg(g.data, DJPEG_ARGS[mode]), `${g.label} (${mode} settings)`);
  }
});

test('MJPEG frames without Huffman tables: standard tables, and a stream decoder keeps tables', () => {
  const frames = GOLDEN.filter((g) => g.mjpeg);
  const hasDht = (d: Uint8Array): boolean => {
    for (let i = 2; i + 1 < d.length; i++) if (d[i] === 0xff && d[i + 1] === 0xda) return false; else if (d[i] === 0xff && d[i + 1] === 0xc4) return true;
    return false;
  };
  // spice-server writes the tables in the first frame of a stream only.
  assert.ok(frames.some((f) => !hasDht(f.data)), 'expected abbreviated MJPEG frames in the capture');
  const stream = createPureJpegDecoder(MJPEG_FRAME_OPTIONS);
  for (const f of frames) {
    const a = stream.decode(f.data) as DecodedImage;
    const b = decodeJpeg(f.data, MJPEG_FRAME_OPTIONS);
    assert.deepEqual(a.pixels, b.pixels, f.label);
  }
  // Quantisation tables are not standard: a frame without DQT needs the previous frame's.
  const full = frames[0].data;
  const noDqt = removeSegments(full, 0xdb);
  assert.ok(noDqt.length < full.length);
  expectError(() => decodeJpeg(noDqt, MJPEG_FRAME_OPTIONS), ErrorCode.CORRUPT_IMAGE, /quantisation table/);
  const dec = createPureJpegDecoder(MJPEG_FRAME_OPTIONS);
  const first = dec.decode(full) as DecodedImage;
  assert.deepEqual((dec.decode(noDqt) as DecodedImage).pixels, first.pixels);
});

test('pureJpegDecoder and createJpegDecoder (in Node) are decodeJpeg with image settings', () => {
  const g = GOLDEN.find((x) => !x.mjpeg)!;
  assert.deepEqual((pureJpegDecoder.decode(g.data) as DecodedImage).pixels, decodeJpeg(g.data).pixels);
  const auto = createJpegDecoder().decode(g.data);
  assert.ok(!(auto instanceof Promise), 'no browser decoder in Node: the pure one answers synchronously');
  assert.deepEqual(auto.pixels, decodeJpeg(g.data).pixels);
  const f = GOLDEN.find((x) => x.mjpeg)!;
  assert.deepEqual((createJpegDecoder(MJPEG_FRAME_OPTIONS).decode(f.data) as DecodedImage).pixels, decodeJpeg(f.data, MJPEG_FRAME_OPTIONS).pixels);
  // and the two settings really differ on this image
  assert.notDeepEqual(decodeJpeg(g.data, MJPEG_FRAME_OPTIONS).pixels, decodeJpeg(g.data).pixels);
});

// ---------------------------------------------------------------- cjpeg-made JPEGs

/** A PPM with smooth gradients, noise, hard edges and thin strokes (deterministic). */
function samplePpm(w: number, h: number, seed: number): Uint8Array {
  const head = new TextEncoder().encode(`P6\n${w} ${h}\n255\n`);
  const out = new Uint8Array(head.length + w * h * 3);
  out.set(head);
  let s = seed >>> 0;
  let p = head.length;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const noise = (s >>> 26) - 32;
      const smooth = 128 + 100 * Math.sin(x / 7 + seed) * Math.cos(y / 5);
      const edge = (x >> 3) % 3 === 0 && y % 9 < 2 ? 0 : 1; // dark strokes
      const box = x > w / 2 && y > h / 3 ? 200 : 40;
      const r = edge ? smooth + noise : 10;
      const g = edge ? box + (noise >> 1) : 10;
      const b = edge ? (x * 255) / Math.max(1, w - 1) : 250;
      out[p++] = Math.max(0, Math.min(255, Math.round(r)));
      out[p++] = Math.max(0, Math.min(255, Math.round(g)));
      out[p++] = Math.max(0, Math.min(255, Math.round(b)));
    }
  }
  return out;
}

function cjpeg(ppm: Uint8Array, args: string[]): Uint8Array {
  const f = join(tmpDir(), `src${fileNo++}.ppm`);
  writeFileSync(f, ppm);
  const r = spawnSync('cjpeg', [...args, f], { maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `cjpeg ${args.join(' ')} failed: ${r.stderr?.toString()}`);
  return new Uint8Array(r.stdout);
}

const CJPEG_VARIANTS: string[][] = [
  [], // libjpeg defaults, as spice-server's encoder: 4:2:0, quality 75
  ['-quality', '20', '-dct', 'fast'], // MJPEG's lowest quality
  ['-quality', '95', '-sample', '1x1'],
  ['-sample', '2x1', '-restart', '1'],
  ['-sample', '1x2'],
  ['-sample', '4x1', '-restart', '3B'],
  ['-sample', '4x2', '-quality', '100'],
  ['-grayscale', '-restart', '2'],
  ['-optimize', '-quality', '90'],
  ['-rgb'],
];

test('cjpeg-made JPEGs of every layout match djpeg exactly, with both settings', (t) => {
  if (!needTool(t, 'djpeg', HAVE_DJPEG) || !needTool(t, 'cjpeg', HAVE_CJPEG)) return;
  for (const [w, h] of [[1, 1], [2, 3], [7, 5], [17, 9], [67, 45], [161, 97]]) {
    const ppm = samplePpm(w, h, w * 31 + h);
    for (const args of CJPEG_VARIANTS) {
      const jpeg = cjpeg(ppm, args);
      for (const mode of ['image', 'mjpeg'] as const) {
        const img = decodeJpeg(jpeg, mode === 'mjpeg' ? MJPEG_FRAME_OPTIONS : JPEG_IMAGE_OPTIONS);
        assertSameAsDjpeg(img, djpeg(jpeg, DJPEG_ARGS[mode]), `${w}x${h} cjpeg ${args.join(' ') || '(defaults)'} (${mode} settings)`);
      }
    }
  }
});

test('progressive and arithmetic-coded JPEGs are refused as unsupported', (t) => {
  if (!needTool(t, 'cjpeg', HAVE_CJPEG)) return;
  const ppm = samplePpm(40, 30, 5);
  expectError(() => decodeJpeg(cjpeg(ppm, ['-progressive'])), ErrorCode.UNSUPPORTED, /progressive/);
  expectError(() => decodeJpeg(cjpeg(ppm, ['-arithmetic'])), ErrorCode.UNSUPPORTED, /arithmetic/);
});

test('a wrong restart marker is corrupt data', (t) => {
  if (!needTool(t, 'cjpeg', HAVE_CJPEG)) return;
  const jpeg = cjpeg(samplePpm(64, 32, 9), ['-restart', '1B']);
  decodeJpeg(jpeg);
  const rst = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xd1);
  assert.ok(rst > 0, 'no RST1 marker');
  const bad = jpeg.slice();
  bad[rst + 1] = 0xd5;
  expectError(() => decodeJpeg(bad), ErrorCode.CORRUPT_IMAGE, /restart marker/);
});

// ---------------------------------------------------------------- malformed input

function expectError(fn: () => unknown, code: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpiceError, `expected SpiceError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (re) assert.match(e.message, re);
    return true;
  });
}

/** Decodes bad input: it may fail only with a SpiceError of an image code; a success must have the frame's size. */
function decodeOrReject(d: Uint8Array, width: number, height: number, opts: JpegOptions, label: string): boolean {
  try {
    const img = decodeJpeg(d, opts);
    assert.equal(img.width, width, label);
    assert.equal(img.height, height, label);
    assert.equal(img.pixels.length, width * height, label);
    return true;
  } catch (e) {
    if (!(e instanceof SpiceError)) throw new Error(`${label}: threw ${String(e)}`, { cause: e });
    assert.ok([ErrorCode.CORRUPT_IMAGE, ErrorCode.UNSUPPORTED, ErrorCode.LIMIT].includes(e.code as never), `${label}: code ${e.code}`);
    return false;
  }
}

/** Offsets of the segments of a JPEG: [marker position, marker code, end]. */
function segments(d: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  let p = 2;
  while (p + 4 <= d.length && d[p] === 0xff) {
    const m = d[p + 1];
    const end = p + 2 + ((d[p + 2] << 8) | d[p + 3]);
    out.push([p, m, end]);
    if (m === 0xda) break;
    p = end;
  }
  return out;
}

function removeSegments(d: Uint8Array, marker: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let last = 0;
  for (const [p, m, end] of segments(d)) {
    if (m !== marker) continue;
    parts.push(d.subarray(last, p));
    last = end;
  }
  parts.push(d.subarray(last));
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) { out.set(x, o); o += x.length; }
  return out;
}

function sofOffset(d: Uint8Array): number {
  const s = segments(d).find(([, m]) => m === 0xc0);
  assert.ok(s, 'no SOF0');
  return s[0];
}

const IMAGE = GOLDEN.find((g) => !g.mjpeg)!;
const FRAME = GOLDEN.find((g) => g.mjpeg)!;

test('truncation at every offset fails cleanly (or drops only the EOI marker)', () => {
  for (const g of [IMAGE, FRAME]) {
    const opts = g.mjpeg ? MJPEG_FRAME_OPTIONS : JPEG_IMAGE_OPTIONS;
    let ok = 0;
    for (let n = 0; n < g.data.length; n++) {
      if (decodeOrReject(g.data.subarray(0, n), g.width, g.height, opts, `${g.label} cut at ${n}`)) {
        ok++;
        assert.ok(n >= g.data.length - 2, `${g.label}: cut at ${n} of ${g.data.length} decoded`);
      }
    }
    assert.ok(ok <= 2);
  }
});

test('random damage to headers and scan data: SpiceError or a right-sized image, never a crash', () => {
  let s = 12345;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  for (const g of [IMAGE, FRAME]) {
    const opts = g.mjpeg ? MJPEG_FRAME_OPTIONS : JPEG_IMAGE_OPTIONS;
    const sos = segments(g.data).find(([, m]) => m === 0xda)!;
    const headerEnd = sos[2];
    let failed = 0;
    for (let trial = 0; trial < 600; trial++) {
      const d = g.data.slice();
      const inHeader = trial % 2 === 0;
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = inHeader ? 2 + rnd(headerEnd - 2) : headerEnd + rnd(d.length - headerEnd - 2);
        d[at] = trial % 3 === 0 ? 0xff : rnd(256);
      }
      if (!decodeOrReject(d, g.width, g.height, opts, `${g.label} trial ${trial}`)) failed++;
    }
    assert.ok(failed > 0, 'no damage was detected at all');
  }
});

test('corrupt Huffman data is reported as CORRUPT_IMAGE', () => {
  const d = IMAGE.data.slice();
  const sos = segments(d).find(([, m]) => m === 0xda)!;
  // All-ones bits are not a code in libjpeg's tables; 0xFF needs stuffing, so use 0xFF 0x00 pairs.
  for (let i = sos[2]; i + 1 < d.length - 2; i += 2) { d[i] = 0xff; d[i + 1] = 0; }
  expectError(() => decodeJpeg(d), ErrorCode.CORRUPT_IMAGE, /Huffman code|past 63/);
});

test('header errors: SOI, tables, sizes, processes', () => {
  const d = IMAGE.data;
  const sof = sofOffset(d);
  const patched = (at: number, ...bytes: number[]): Uint8Array => {
    const c = d.slice();
    c.set(bytes, at);
    return c;
  };
  expectError(() => decodeJpeg(new Uint8Array(0)), ErrorCode.CORRUPT_IMAGE, /SOI/);
  expectError(() => decodeJpeg(d.subarray(2)), ErrorCode.CORRUPT_IMAGE, /SOI/);
  // SOF0 -> SOF2 (progressive), SOF9 (arithmetic), SOF3 (lossless)
  expectError(() => decodeJpeg(patched(sof + 1, 0xc2)), ErrorCode.UNSUPPORTED, /progressive/);
  expectError(() => decodeJpeg(patched(sof + 1, 0xc9)), ErrorCode.UNSUPPORTED, /arithmetic/);
  expectError(() => decodeJpeg(patched(sof + 1, 0xc3)), ErrorCode.UNSUPPORTED, /lossless/);
  expectError(() => decodeJpeg(patched(sof + 4, 12)), ErrorCode.UNSUPPORTED, /12-bit/);
  expectError(() => decodeJpeg(patched(sof + 5, 0, 0)), ErrorCode.UNSUPPORTED, /DNL/);
  expectError(() => decodeJpeg(patched(sof + 7, 0, 0)), ErrorCode.CORRUPT_IMAGE, /width 0/);
  // Luma 3x2 with Cb 2x1: not an integral ratio.
  expectError(() => decodeJpeg(patched(sof + 11, 0x32, 0, 0, 0x21)), ErrorCode.UNSUPPORTED, /integral/);
  // Huge sizes: over the pixel limit, or more blocks than the data can hold (refused before allocating).
  expectError(() => decodeJpeg(patched(sof + 5, 0xff, 0xdc, 0xff, 0xdc)), ErrorCode.LIMIT);
  const t0 = performance.now();
  expectError(() => decodeJpeg(patched(sof + 5, 0xff, 0xdc, 0xff, 0xdc), { maxPixels: 2 ** 32 }), ErrorCode.CORRUPT_IMAGE, /needs at least/);
  expectError(() => decodeJpeg(patched(sof + 5, 0x10, 0x00, 0x40, 0x00)), ErrorCode.CORRUPT_IMAGE, /needs at least/);
  assert.ok(performance.now() - t0 < 1000, 'refusing huge sizes took long');
  expectError(() => decodeJpeg(d, { maxPixels: 160 * 120 - 1 }), ErrorCode.LIMIT);
  assert.equal(decodeJpeg(d, { maxPixels: 160 * 120 }).width, 160);
  // A Huffman table with more codes than its lengths allow (two 1-bit codes leave no prefix free).
  const dht = segments(d).find(([, m]) => m === 0xc4)!;
  expectError(() => decodeJpeg(patched(dht[0] + 5, 2, 0, 4)), ErrorCode.CORRUPT_IMAGE, /Huffman table/);
  // A scan naming a component the frame does not have.
  const sos = segments(d).find(([, m]) => m === 0xda)!;
  expectError(() => decodeJpeg(patched(sos[0] + 5, 9)), ErrorCode.CORRUPT_IMAGE, /component 9/);
  // No scan at all.
  expectError(() => decodeJpeg(d.subarray(0, sos[0])), ErrorCode.CORRUPT_IMAGE, /no scan data/);
  expectError(() => decodeJpeg(removeSegments(d, 0xc0)), ErrorCode.CORRUPT_IMAGE, /before the frame header/);
  expectError(() => decodeJpeg(d, { dct: 'float' as never }), ErrorCode.BAD_ARGUMENT);
});

// ---------------------------------------------------------------- browser decoder

test('browserJpegDecoder: absent in Node, and converts a browser bitmap when present', async () => {
  assert.equal(browserJpegDecoder(), undefined);
  // Stand-ins for the browser APIs, decoding with our own decoder to RGBA.
  const g = globalThis as Record<string, unknown>;
  const saved = { createImageBitmap: g.createImageBitmap, OffscreenCanvas: g.OffscreenCanvas };
  interface FakeBitmap { width: number; height: number; img: DecodedImage; close(): void }
  let closed = 0;
  g.createImageBitmap = async (blob: Blob): Promise<FakeBitmap> => {
    const img = decodeJpeg(new Uint8Array(await blob.arrayBuffer()));
    return { width: img.width, height: img.height, img, close: () => { closed++; } };
  };
  g.OffscreenCanvas = class {
    width: number;
    height: number;
    drawn: DecodedImage | undefined;
    constructor(w: number, h: number) { this.width = w; this.height = h; }
    getContext(): object {
      return {
        clearRect: () => {},
        drawImage: (b: FakeBitmap) => { this.drawn = b.img; },
        getImageData: (_x: number, _y: number, w: number, h: number) => {
          const data = new Uint8ClampedArray(w * h * 4);
          const src = this.drawn!;
          for (let i = 0; i < w * h; i++) {
            const v = src.pixels[i];
            data[4 * i] = (v >>> 16) & 255; data[4 * i + 1] = (v >>> 8) & 255; data[4 * i + 2] = v & 255; data[4 * i + 3] = 255;
          }
          return { data };
        },
      };
    }
  };
  try {
    const dec = browserJpegDecoder();
    assert.ok(dec);
    const viaAuto = createJpegDecoder().decode(IMAGE.data);
    assert.ok(viaAuto instanceof Promise, 'createJpegDecoder prefers the browser decoder');
    await viaAuto;
    assert.ok(!(createJpegDecoder({ preferBrowser: false }).decode(IMAGE.data) instanceof Promise));
    const img = await dec.decode(IMAGE.data);
    assert.equal(img.format, 'xrgb');
    assert.deepEqual(img.pixels, decodeJpeg(IMAGE.data).pixels);
    assert.equal(closed, 2);
    const small = browserJpegDecoder({ maxPixels: 100 })!;
    await assert.rejects(Promise.resolve().then(() => small.decode(IMAGE.data)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.LIMIT);
    await assert.rejects(Promise.resolve().then(() => dec.decode(IMAGE.data.subarray(0, 100))), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE);
  } finally {
    g.createImageBitmap = saved.createImageBitmap;
    g.OffscreenCanvas = saved.OffscreenCanvas;
    if (saved.createImageBitmap === undefined) delete g.createImageBitmap;
    if (saved.OffscreenCanvas === undefined) delete g.OffscreenCanvas;
  }
});

// Keep the fixture reader honest: the JPEG_ALPHA JPEG part starts with SOI and ends with EOI.
test('JPEG_ALPHA: the jpeg_size bytes are one whole JPEG', () => {
  const d = IMAGE.data;
  assert.deepEqual([d[0], d[1], d[d.length - 2], d[d.length - 1]], [0xff, 0xd8, 0xff, 0xd9]);
});
