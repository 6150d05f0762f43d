/**
 * LZ4 image decoder (src/codecs/lz4.ts): images compressed by a small greedy
 * LZ4 block encoder written here, with blocks linked as spice-server links
 * them (matches reaching into earlier blocks), every bitmap format and both
 * row orders; the lz4 command-line tool's linked-block frames when it is
 * installed; malformed input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import { decodeLz4Image, lz4DecodeBlock } from '../../../src/codecs/lz4.js';
import { rng } from '../../helpers/sample.js';

function expectCorrupt(fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE, what);
}

// ---------------------------------------------------------------------------
// A greedy LZ4 block encoder over one linked stream: a block's matches may
// start in any earlier block (up to 64 KiB back). It keeps LZ4's end-of-block
// rules (last 5 bytes literal, no match starting in the last 12).

function pushLen(out: number[], n: number): void {
  while (n >= 255) {
    out.push(255);
    n -= 255;
  }
  out.push(n);
}

function sequence(out: number[], input: Uint8Array, litFrom: number, litTo: number, match?: { dist: number; len: number }): void {
  const lit = litTo - litFrom;
  const ml = match ? match.len - 4 : 0;
  out.push((Math.min(lit, 15) << 4) | Math.min(ml, 15));
  if (lit >= 15) pushLen(out, lit - 15);
  for (let i = litFrom; i < litTo; i++) out.push(input[i]);
  if (match) {
    out.push(match.dist & 255, match.dist >>> 8);
    if (ml >= 15) pushLen(out, ml - 15);
  }
}

interface Encoded { blocks: number[][]; crossBlockMatches: number; matches: number }

function lz4Encode(input: Uint8Array, blockSize: number): Encoded {
  const table = new Map<number, number>();
  const blocks: number[][] = [];
  let crossBlockMatches = 0;
  let matches = 0;
  const key = (i: number) => (input[i] | (input[i + 1] << 8) | (input[i + 2] << 16) | (input[i + 3] << 24)) >>> 0;
  for (let bs = 0; bs < input.length; bs += blockSize) {
    const be = Math.min(input.length, bs + blockSize);
    const out: number[] = [];
    let anchor = bs;
    let i = bs;
    while (i + 12 <= be) {
      const k = key(i);
      const cand = table.get(k);
      table.set(k, i);
      if (cand !== undefined && i - cand <= 65535) {
        let len = 4;
        while (i + len < be - 5 && input[cand + len] === input[i + len]) len++;
        sequence(out, input, anchor, i, { dist: i - cand, len });
        matches++;
        if (cand < bs) crossBlockMatches++;
        for (let j = i + 1; j < i + len && j + 4 <= input.length; j++) table.set(key(j), j);
        i += len;
        anchor = i;
        continue;
      }
      i++;
    }
    sequence(out, input, anchor, be);
    blocks.push(out);
  }
  return { blocks, crossBlockMatches, matches };
}

function payload(topDown: boolean, format: number, blocks: number[][]): Uint8Array {
  const out = [topDown ? 1 : 0, format];
  for (const b of blocks) out.push((b.length >>> 24) & 255, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255, ...b);
  return new Uint8Array(out);
}

// ---------------------------------------------------------------------------
// images

const FMT = { '16BIT': 6, '24BIT': 7, '32BIT': 8, RGBA: 9 } as const;
const BPP: Record<number, number> = { 6: 2, 7: 3, 8: 4, 9: 4 };

/** Random picture whose rows repeat from far above (so matches cross blocks). */
function picture(w: number, h: number, seed: number): { rgb: number[]; alpha: number[]; x: number[] } {
  const r = rng(seed);
  const rgb: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y >= 6 && r() < 0.85) rgb.push(rgb[(y - 6) * w + x]);
      else rgb.push(r() < 0.5 ? 0x4682b4 : Math.floor(r() * 0x1000000));
    }
  }
  return { rgb, alpha: rgb.map((v) => (v * 7) & 255), x: rgb.map(() => Math.floor(r() * 256)) };
}

function to555(v: number): number {
  return ((v >>> 9) & 0x7c00) | ((v >>> 6) & 0x3e0) | ((v >>> 3) & 31);
}
const widen = (c: number) => (c << 3) | (c >>> 2);

/** Raw bitmap bytes (stream row order) and expected top-down words. */
function bitmap(format: number, w: number, h: number, topDown: boolean, seed: number, stride?: number) {
  const { rgb, alpha, x } = picture(w, h, seed);
  const bpp = BPP[format];
  const rowBytes = stride ?? w * bpp;
  const raw = new Uint8Array(rowBytes * h);
  const expected = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = topDown ? y : h - 1 - y;
    for (let i = 0; i < w; i++) {
      const p = y * w + i;
      const v = rgb[p];
      const o = sy * rowBytes + i * bpp;
      if (format === FMT['16BIT']) {
        const s = to555(v) | (x[p] & 1 ? 0x8000 : 0); // the unused top bit must not matter
        raw[o] = s & 255;
        raw[o + 1] = s >>> 8;
        const q = to555(v);
        expected[p] = (0xff000000 | (widen(q >>> 10) << 16) | (widen((q >>> 5) & 31) << 8) | widen(q & 31)) >>> 0;
      } else {
        raw[o] = v & 255;
        raw[o + 1] = (v >>> 8) & 255;
        raw[o + 2] = (v >>> 16) & 255;
        if (bpp === 4) raw[o + 3] = format === FMT.RGBA ? alpha[p] : x[p];
        expected[p] = ((format === FMT.RGBA ? alpha[p] << 24 : 0xff000000) | v) >>> 0;
      }
    }
  }
  return { raw, expected };
}

test('LZ4 images of every format and row order decode, with matches reaching into earlier blocks', () => {
  let cross = 0;
  for (const [name, format] of Object.entries(FMT)) {
    for (const topDown of [true, false]) {
      for (const [w, h] of [[1, 1], [5, 3], [64, 40], [300, 90]]) {
        const { raw, expected } = bitmap(format, w, h, topDown, w + h + format);
        // blocks of 4 rows, as the server's per-chunk compression makes them
        const enc = lz4Encode(raw, Math.max(1, 4 * w * BPP[format]));
        cross += enc.crossBlockMatches;
        const img = decodeLz4Image(payload(topDown, format, enc.blocks), w, h);
        const what = `${name} ${w}x${h} ${topDown ? 'top-down' : 'bottom-up'}`;
        assert.equal(img.format, format === FMT.RGBA ? 'argb' : 'xrgb', what);
        assert.equal(img.topDown, topDown);
        assert.deepEqual(img.pixels, expected, what);
      }
    }
  }
  assert.ok(cross > 100, `matches that start in an earlier block: ${cross}`);
});

test('rows padded to 4 bytes (a bitmap stride wider than the row) are recognised by the decoded size', () => {
  for (const format of [FMT['24BIT'], FMT['16BIT']]) {
    const w = 5;
    const h = 7;
    const stride = (w * BPP[format] + 3) & ~3;
    const { raw, expected } = bitmap(format, w, h, true, 3, stride);
    const enc = lz4Encode(raw, 64);
    assert.deepEqual(decodeLz4Image(payload(true, format, enc.blocks), w, h).pixels, expected);
  }
});

test('linked-block frames from the lz4 command-line tool decode', (t) => {
  const probe = spawnSync('lz4', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    t.skip('the lz4 command-line tool is not installed: cross-check with a second encoder skipped');
    return;
  }
  const w = 400;
  const h = 300;
  const { raw, expected } = bitmap(FMT['32BIT'], w, h, false, 77);
  // -BD: blocks depend on earlier blocks, like LZ4_compress_fast_continue; -B4: 64 KiB blocks
  const res = spawnSync('lz4', ['-BD', '-B4', '--no-frame-crc', '-c', '-q'], { input: raw, maxBuffer: 1 << 26 });
  assert.equal(res.status, 0, String(res.stderr));
  const f = new Uint8Array(res.stdout);
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  assert.equal(dv.getUint32(0, true), 0x184d2204, 'LZ4 frame magic');
  const flg = f[4];
  assert.equal(flg & 0x20, 0, 'blocks are linked');
  let pos = 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
  const blocks: number[][] = [];
  for (;;) {
    const word = dv.getUint32(pos, true);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const bytes = [...f.subarray(pos, pos + size)];
    // an uncompressed frame block becomes an LZ4 block of literals only
    if (word & 0x80000000) {
      const b: number[] = [];
      sequence(b, new Uint8Array(bytes), 0, size);
      blocks.push(b);
    } else {
      blocks.push(bytes);
    }
    pos += size + (flg & 0x10 ? 4 : 0);
  }
  assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
  assert.deepEqual(decodeLz4Image(payload(false, FMT['32BIT'], blocks), w, h).pixels, expected);
});

test('a block alone: offsets and lengths are checked against the output', () => {
  const out = new Uint8Array(16);
  // 2 literals "ab", then a match of 4 at distance 2 (overlapping), then the final literal "c"
  const block = new Uint8Array([0x20, 97, 98, 2, 0, 0x10, 99]);
  assert.equal(lz4DecodeBlock(block, 0, block.length, out, 0), 7);
  assert.equal(new TextDecoder().decode(out.subarray(0, 7)), 'abababc');
  expectCorrupt(() => lz4DecodeBlock(new Uint8Array([0x10, 97, 0, 0, 0x00]), 0, 5, new Uint8Array(16), 0), 'offset 0');
  expectCorrupt(() => lz4DecodeBlock(new Uint8Array([0x10, 97, 2, 0, 0x00]), 0, 5, new Uint8Array(16), 0), 'offset before the start');
  expectCorrupt(() => lz4DecodeBlock(new Uint8Array([0x1f, 97, 1, 0, 200, 0x00]), 0, 6, new Uint8Array(16), 0), 'match past the end');
  expectCorrupt(() => lz4DecodeBlock(new Uint8Array([0xf0, 20, ...new Array(35).fill(1)]), 0, 37, new Uint8Array(16), 0), 'literals past the end');
  // with earlier output present, the same offset is fine (linked blocks)
  const linked = new Uint8Array(16);
  linked.set([120, 121], 0);
  assert.equal(lz4DecodeBlock(new Uint8Array([0x00, 2, 0, 0x00]), 0, 4, linked, 2), 6);
  assert.equal(new TextDecoder().decode(linked.subarray(0, 6)), 'xyxyxy');
});

test('malformed LZ4 images throw CORRUPT_IMAGE: truncation at every offset, sizes, formats, headers', () => {
  const w = 9;
  const h = 6;
  const { raw } = bitmap(FMT['32BIT'], w, h, true, 5);
  const enc = lz4Encode(raw, 4 * w * 2);
  const good = payload(true, FMT['32BIT'], enc.blocks);
  decodeLz4Image(good, w, h);
  for (let cut = 0; cut < good.length; cut++) expectCorrupt(() => decodeLz4Image(good.subarray(0, cut), w, h), `cut at ${cut}`);
  expectCorrupt(() => decodeLz4Image(good, w, h + 1), 'too little data for the size');
  expectCorrupt(() => decodeLz4Image(good, w - 1, h), 'too much data for the size');
  expectCorrupt(() => decodeLz4Image(new Uint8Array([...good, 0, 0, 0, 2, 0x10, 5]), w, h), 'an extra block');
  expectCorrupt(() => decodeLz4Image(new Uint8Array([...good, 0, 0, 0, 0]), w, h), 'a zero-size block');
  expectCorrupt(() => decodeLz4Image(new Uint8Array([...good.subarray(0, 2), 0xff, 0xff, 0xff, 0xff, ...good.subarray(6)]), w, h), 'block size beyond the data');
  for (const f of [0, 1, 5, 10, 11, 200]) {
    const d = good.slice();
    d[1] = f;
    expectCorrupt(() => decodeLz4Image(d, w, h), `format ${f}`);
  }
  expectCorrupt(() => decodeLz4Image(good, 0, h), 'width 0');
  expectCorrupt(() => decodeLz4Image(good, 1 << 16, 1 << 16), 'over the pixel limit');
  expectCorrupt(() => decodeLz4Image(good, w, h, { maxPixels: 10 }), 'over a caller limit');
  expectCorrupt(() => decodeLz4Image(good, 4000, 4000), 'size the data cannot reach');
  expectCorrupt(() => decodeLz4Image(new Uint8Array([1]), 1, 1), 'no header');
});

test('random corruption never hangs and throws only CORRUPT_IMAGE', () => {
  const w = 50;
  const h = 20;
  const { raw } = bitmap(FMT.RGBA, w, h, false, 8);
  const good = payload(false, FMT.RGBA, lz4Encode(raw, 4 * w * 4).blocks);
  const r = rng(11);
  let failures = 0;
  for (let k = 0; k < 300; k++) {
    const d = good.slice();
    for (let j = 0; j < 2; j++) d[2 + Math.floor(r() * (d.length - 2))] = Math.floor(r() * 256);
    try {
      decodeLz4Image(d, w, h);
    } catch (e) {
      assert.ok(e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE, String(e));
      failures++;
    }
  }
  assert.ok(failures > 100);
});
