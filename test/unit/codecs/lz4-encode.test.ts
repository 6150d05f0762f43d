/**
 * SPICE LZ4 image encoder (src/codecs/encode/lz4-encode.ts): round trips
 * through our decoder (decodeLz4Image) on many kinds of pixels, sizes and
 * rectangles; the framing spice-server writes (header, big-endian block
 * sizes, whole rows a block); LZ4's block rules checked sequence by
 * sequence; liblz4 itself (the `lz4` tool) decoding our linked blocks; and
 * the size next to liblz4's on the golden captures' images.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encodeLz4, Lz4Encoder } from '../../../src/codecs/encode/lz4-encode.js';
import type { EncodeSource } from '../../../src/codecs/encode/types.js';
import { decodeLz4Image, lz4DecodeBlock } from '../../../src/codecs/lz4.js';
import { decodeQuic } from '../../../src/codecs/quic.js';
import { decodeLz } from '../../../src/codecs/lz.js';
import { displayImages, loadGolden } from '../../helpers/golden.js';
import { rng } from '../../helpers/sample.js';

const REQUIRED = process.env.SPICE_INTEROP === 'required';

function skipOrFail(t: TestContext, what: string): void {
  if (REQUIRED) assert.fail(`${what} (SPICE_INTEROP=required)`);
  t.skip(what);
}

function hasLz4Tool(): boolean {
  const r = spawnSync('lz4', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

type Kind = 'random' | 'gradient' | 'flat' | 'tiles' | 'desktop' | 'alpha';

/** A w x h buffer of 0xAARRGGBB words of one kind (opaque unless 'alpha'). */
function makePixels(kind: Kind, w: number, h: number, seed = 1): Uint32Array {
  const r = rng(seed);
  const px = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v: number;
      switch (kind) {
        case 'random': v = (r() * 0x1000000) | 0; break;
        case 'gradient': v = ((x * 255 / Math.max(1, w - 1)) << 16) | ((y * 255 / Math.max(1, h - 1)) << 8) | ((x + y) & 255); break;
        case 'flat': v = 0x3366cc; break;
        case 'tiles': v = [0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x123456][((x >> 2) + 3 * (y >> 3)) % 5]; break;
        case 'desktop': {
          // windows of flat colour, "text" strokes, a noisy photo corner
          const win = ((x >> 6) + (y >> 5)) % 3;
          v = [0xf0f0f0, 0x2060a0, 0xffffff][win];
          if (win !== 1 && y % 12 < 8 && (x * 7 + (y >> 3) * 13) % 11 < 4) v = 0x101010;
          if (x < w / 4 && y < h / 4) v = (r() * 0x1000000) | 0;
          break;
        }
        case 'alpha': v = ((x * 3 + y * 5) & 255) | (((r() * 4) | 0) << 8); break;
      }
      const a = kind === 'alpha' ? ((x + y * 7) & 255) : 0xff;
      px[y * w + x] = ((a << 24) | v) >>> 0;
    }
  }
  return px;
}

/** The rectangle's pixels as the decoder should return them (alpha 0xFF unless kept). */
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

function whole(pixels: Uint32Array, w: number, h: number): EncodeSource {
  return { pixels, stride: w, x: 0, y: 0, width: w, height: h };
}

function roundTrip(src: EncodeSource, alpha = false, blockBytes?: number): Uint8Array {
  const data = encodeLz4(src, { alpha, blockBytes });
  const d = decodeLz4Image(data, src.width, src.height);
  assert.equal(d.topDown, true);
  assert.equal(d.format, alpha ? 'argb' : 'xrgb');
  assert.deepEqual(d.pixels, expected(src, alpha));
  return data;
}

interface Block { start: number; size: number }

/** Splits an LZ4 image's data into its blocks, checking the 2-byte header and that sizes tile the data. */
function blocksOf(data: Uint8Array): Block[] {
  const out: Block[] = [];
  let pos = 2;
  while (pos < data.length) {
    assert.ok(pos + 4 <= data.length, 'block size inside the data');
    const size = ((data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]) >>> 0;
    pos += 4;
    assert.ok(size > 0 && pos + size <= data.length, `block of ${size} bytes fits`);
    out.push({ start: pos, size });
    pos += size;
  }
  assert.equal(pos, data.length);
  return out;
}

interface BlockStats { decodedBytes: number; matches: number; crossBlock: number; maxOffset: number }

/**
 * Walks one block's sequences and checks what liblz4 requires of a block:
 * the last sequence is literals only, at least 5 of them; no match starts
 * less than 12 bytes before the block's end; offsets 1..65535 and never
 * before the start of the stream. `outPos` is the stream position at the block's start.
 */
function checkBlock(data: Uint8Array, b: Block, outPos: number): BlockStats {
  const end = b.start + b.size;
  let p = b.start;
  let produced = 0;
  let matches = 0;
  let crossBlock = 0;
  let maxOffset = 0;
  const seqs: { lit: number; matchAt: number; matchLen: number }[] = [];
  for (;;) {
    const token = data[p++];
    let lit = token >> 4;
    if (lit === 15) for (let b2 = 255; b2 === 255;) { b2 = data[p++]; lit += b2; }
    p += lit;
    produced += lit;
    if (p === end) {
      seqs.push({ lit, matchAt: -1, matchLen: 0 });
      break;
    }
    assert.ok(p + 2 <= end, 'match offset inside the block');
    const off = data[p] | (data[p + 1] << 8);
    p += 2;
    let ml = (token & 15) + 4;
    if ((token & 15) === 15) for (let b2 = 255; b2 === 255;) { b2 = data[p++]; ml += b2; }
    assert.ok(off >= 1 && off <= 65535, `offset ${off}`);
    assert.ok(off <= outPos + produced, 'offset reaches before the stream');
    if (off > produced) crossBlock++;
    maxOffset = Math.max(maxOffset, off);
    seqs.push({ lit, matchAt: produced, matchLen: ml });
    produced += ml;
    matches++;
  }
  const last = seqs[seqs.length - 1];
  assert.equal(last.matchAt, -1, 'the last sequence has no match');
  assert.ok(last.lit >= Math.min(5, produced), `the block ends with ${last.lit} literals (at least 5)`);
  for (const s of seqs) {
    if (s.matchAt >= 0) {
      assert.ok(s.matchAt <= produced - 12, `a match starts ${produced - s.matchAt} bytes before the block's end`);
      assert.ok(s.matchAt + s.matchLen <= produced - 5, 'a match ends in the last 5 bytes');
    }
  }
  return { decodedBytes: produced, matches, crossBlock, maxOffset };
}

test('round trips: random, gradient, flat, tiles, desktop, with and without alpha', () => {
  for (const kind of ['random', 'gradient', 'flat', 'tiles', 'desktop', 'alpha'] as const) {
    const src = whole(makePixels(kind, 97, 61, kind.length), 97, 61);
    roundTrip(src, false);
    roundTrip(src, true);
  }
});

test('round trips: tiny and odd sizes (1x1, 2x1, 1x7, 3x3, 5x2, 13x1)', () => {
  for (const [w, h] of [[1, 1], [2, 1], [1, 7], [3, 3], [5, 2], [13, 1], [4, 4]]) {
    for (const kind of ['random', 'flat', 'tiles'] as const) roundTrip(whole(makePixels(kind, w, h, w * 31 + h), w, h), kind === 'random');
  }
});

test('round trip: 1280x800 desktop and random frames, compression where there is redundancy', () => {
  const desk = whole(makePixels('desktop', 1280, 800), 1280, 800);
  const dd = roundTrip(desk);
  assert.ok(dd.length < 1280 * 800 * 4 / 4, `desktop frame compresses (${dd.length} bytes)`);
  const flat = roundTrip(whole(makePixels('flat', 1280, 800), 1280, 800));
  assert.ok(flat.length < 1280 * 800 * 4 / 200, `flat frame compresses ~255:1 (${flat.length} bytes)`);
  const rnd = roundTrip(whole(makePixels('random', 1280, 800), 1280, 800));
  // incompressible: the bytes plus LZ4's length bytes and the block framing, no more
  assert.ok(rnd.length <= 1280 * 800 * 4 * 1.01, `random frame stays near its size (${rnd.length})`);
});

test('sub-rectangles: read in place (whole rows) or gathered (part rows), any offset', () => {
  const W = 300;
  const H = 200;
  for (const kind of ['desktop', 'alpha'] as const) {
    const px = makePixels(kind, W, H, 5);
    const rects = [
      { x: 0, y: 17, width: W, height: 100 }, // whole rows: no copy
      { x: 13, y: 9, width: 101, height: 77 },
      { x: W - 1, y: H - 1, width: 1, height: 1 },
      { x: 5, y: 150, width: 295, height: 50 },
      { x: 40, y: 3, width: 7, height: 1 }, // one row: in place
    ];
    for (const r of rects) roundTrip({ pixels: px, stride: W, ...r }, kind === 'alpha');
  }
  // the same rectangle through a buffer with padding at the end of each row
  const px = makePixels('tiles', 64, 40, 2);
  const padded = new Uint32Array(80 * 40).fill(0xdeadbeef);
  for (let y = 0; y < 40; y++) padded.set(px.subarray(y * 64, y * 64 + 64), y * 80);
  const a = encodeLz4({ pixels: padded, stride: 80, x: 0, y: 0, width: 64, height: 40 });
  assert.deepEqual(a, encodeLz4(whole(px, 64, 40)), 'stride padding does not reach the output');
});

test('framing: header, big-endian block sizes, whole rows a block, LZ4 block rules, history across blocks', () => {
  const w = 123;
  const h = 90;
  const src = whole(makePixels('tiles', w, h, 3), w, h);
  for (const blockBytes of [1, w * 4 * 7 + 5, 64 * 1024, 1 << 22, Infinity]) {
    const data = encodeLz4(src, { blockBytes });
    assert.equal(data[0], 1, 'top-down');
    assert.equal(data[1], 8, 'SPICE_BITMAP_FMT_32BIT');
    const rows = Math.min(h, Math.max(1, Math.floor(blockBytes / (w * 4))));
    const blocks = blocksOf(data);
    assert.equal(blocks.length, Math.ceil(h / rows));
    let pos = 0;
    let cross = 0;
    const raw = new Uint8Array(w * h * 4);
    for (const [i, b] of blocks.entries()) {
      const s = checkBlock(data, b, pos);
      const rowsHere = Math.min(rows, h - i * rows);
      assert.equal(s.decodedBytes, rowsHere * w * 4, `block ${i} holds ${rowsHere} rows`);
      // and our block decoder agrees on where it ends
      assert.equal(lz4DecodeBlock(data, b.start, b.start + b.size, raw, pos), pos + s.decodedBytes);
      pos += s.decodedBytes;
      cross += s.crossBlock;
    }
    if (blocks.length > 1) assert.ok(cross > 0, `with ${blocks.length} blocks, matches reach into earlier blocks`);
  }
  assert.equal(encodeLz4(src, { alpha: true })[1], 9, 'SPICE_BITMAP_FMT_RGBA');
});

test('matches stay within LZ4 reach on long-period content (offsets <= 65535)', () => {
  // rows repeat every 60 rows of 400 pixels = 96000 bytes: too far back, so no match may use that period
  const w = 400;
  const h = 130;
  const base = makePixels('random', w, 60, 9);
  const px = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) px.set(base.subarray((y % 60) * w, (y % 60 + 1) * w), y * w);
  const data = roundTrip(whole(px, w, h));
  let pos = 0;
  for (const b of blocksOf(data)) {
    const s = checkBlock(data, b, pos);
    assert.ok(s.maxOffset <= 65535);
    pos += s.decodedBytes;
  }
  assert.ok(data.length > w * h * 4 * 0.95, 'nothing within reach to match');
});

test('an Lz4Encoder reused across sizes gives the same bytes as a fresh one', () => {
  const enc = new Lz4Encoder();
  const big = whole(makePixels('desktop', 640, 400), 640, 400);
  const small = whole(makePixels('tiles', 33, 17), 33, 17);
  const a1 = enc.encode(big);
  const b1 = enc.encode(small);
  const a2 = enc.encode(big, {});
  assert.deepEqual(a1, a2);
  assert.deepEqual(b1, new Lz4Encoder().encode(small));
  assert.ok(a1.buffer !== a2.buffer, 'each result owns its bytes');
});

test('bad arguments: rectangles outside the buffer, non-positive block size', () => {
  const px = new Uint32Array(100);
  assert.throws(() => encodeLz4({ pixels: px, stride: 10, x: 5, y: 0, width: 6, height: 1 }), RangeError);
  assert.throws(() => encodeLz4({ pixels: px, stride: 10, x: 0, y: 9, width: 10, height: 2 }), RangeError);
  assert.throws(() => encodeLz4({ pixels: px, stride: 10, x: 0, y: 0, width: 0, height: 2 }), RangeError);
  assert.throws(() => encodeLz4(whole(px, 10, 10), { blockBytes: 0 }), RangeError);
});

/**
 * Wraps our blocks in an LZ4 frame (linked blocks, 4 MiB maximum, no
 * checksums), taking the frame descriptor from the lz4 tool itself.
 */
function asLz4Frame(data: Uint8Array): Uint8Array {
  // (over 4 MiB of input, or the tool marks a single-block frame's blocks independent)
  const probe = spawnSync('lz4', ['-BD', '-B7', '--no-frame-crc', '-c', '-q'], { input: new Uint8Array((4 << 20) + 1), maxBuffer: 1 << 24 });
  assert.equal(probe.status, 0, String(probe.stderr));
  const descriptor = new Uint8Array(probe.stdout).subarray(0, 7); // magic, FLG, BD, header checksum
  assert.equal(descriptor[4], 0x40, 'FLG: version 1, linked blocks, no checksums, no content size');
  assert.equal(descriptor[5], 0x70, 'BD: blocks of up to 4 MiB');
  const parts: Uint8Array[] = [descriptor];
  for (const b of blocksOf(data)) {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, b.size, true);
    parts.push(len, data.subarray(b.start, b.start + b.size));
  }
  parts.push(new Uint8Array(4));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('liblz4 (the lz4 tool) decodes our linked blocks to the same bytes', (t) => {
  if (!hasLz4Tool()) return skipOrFail(t, 'the lz4 command-line tool is not installed (Debian: lz4)');
  for (const [kind, w, h, blockBytes] of [['desktop', 640, 480, 64 * 1024], ['tiles', 301, 97, 4096], ['random', 200, 50, 1 << 20], ['alpha', 31, 7, 100]] as const) {
    const px = makePixels(kind, w, h, 4);
    const data = encodeLz4(whole(px, w, h), { alpha: true, blockBytes });
    const r = spawnSync('lz4', ['-d', '-c', '-q'], { input: asLz4Frame(data), maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, `lz4 -d: ${String(r.stderr)}`);
    assert.deepEqual(new Uint8Array(r.stdout), new Uint8Array(px.buffer, px.byteOffset, px.byteLength), `${kind} ${w}x${h}`);
  }
});

test('golden captures: their images re-encoded round trip; size next to liblz4', (t) => {
  const images: { label: string; src: EncodeSource; alpha: boolean }[] = [];
  for (const name of ['xspice-quic', 'xspice-lz', 'qemu-spicy-screenshot']) {
    for (const im of displayImages(loadGolden(name))) {
      let d;
      try {
        if (im.quic) d = decodeQuic(im.quic.data);
        else if (im.lz_rgb) d = decodeLz(im.lz_rgb.data);
      } catch {
        continue; // other tests cover the decoders; an image they refuse is not ours to judge
      }
      if (!d || d.format === 'a8') continue;
      images.push({ label: `${name} ${d.width}x${d.height}`, src: whole(d.pixels, d.width, d.height), alpha: d.format === 'argb' });
    }
  }
  assert.ok(images.length >= 10, `found ${images.length} images`);
  let ours = 0;
  let raw = 0;
  for (const im of images) {
    ours += roundTrip(im.src, im.alpha).length;
    raw += im.src.width * im.src.height * 4;
  }
  assert.ok(ours < raw / 10, `the captures' screens compress (${ours} of ${raw} bytes)`);
  if (!hasLz4Tool()) return skipOrFail(t, `lz4 tool not installed: ours ${ours} bytes for ${raw}; no liblz4 figure to compare`);
  let theirs = 0;
  for (const im of images) {
    const bytes = new Uint8Array(im.src.pixels.buffer, im.src.pixels.byteOffset, im.src.pixels.byteLength);
    // what spice-server gets from liblz4: level 1 (LZ4_compress_fast, acceleration 1), linked blocks; minus the 7+4 frame bytes
    const r = spawnSync('lz4', ['-1', '-BD', '--no-frame-crc', '-c', '-q'], { input: bytes, maxBuffer: 1 << 26 });
    assert.equal(r.status, 0);
    theirs += r.stdout.length - 11;
  }
  const ratio = ours / theirs;
  t.diagnostic(`${images.length} golden images, ${raw} bytes: ours ${ours}, liblz4 ${theirs}, ratio ${ratio.toFixed(3)}`);
  assert.ok(ratio < 1.1, `within 10% of liblz4's size (ratio ${ratio.toFixed(3)})`);
});
