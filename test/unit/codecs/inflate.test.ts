/**
 * inflate (src/codecs/inflate.ts) against node:zlib's deflate at every level
 * and strategy (stored, fixed and dynamic blocks), zlib framing, the
 * ZLIB_GLZ_RGB payloads of the golden captures, and corrupt input.
 * node:zlib only produces inputs and reference outputs here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';
import { adler32, decodeZlibGlz, inflateRaw, inflateZlib } from '../../../src/codecs/inflate.js';
import { GlzDictionary } from '../../../src/codecs/glz.js';
import { goldenFiles, loadGolden } from '../../helpers/golden.js';
import { displayImages } from '../../helpers/golden.js';
import { rng } from '../../helpers/sample.js';

function expectCorrupt(fn: () => unknown, what: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE && (!message || message.test(e.message)), what);
}

/** Inputs of different character: empty, tiny, random, text-like, runs, a long period, 1 MiB. */
function inputs(): { name: string; data: Uint8Array }[] {
  const r = rng(1);
  const random = new Uint8Array(70000).map(() => Math.floor(r() * 256));
  const words = ['spice ', 'display ', 'channel ', 'glz ', 'image ', 'dictionary ', '\n'];
  let text = '';
  while (text.length < 100000) text += words[Math.floor(r() * words.length)];
  const runs = new Uint8Array(50000);
  for (let i = 0; i < runs.length; i++) runs[i] = Math.floor(i / 997) & 1 ? 0 : Math.floor(i / 13) & 255;
  const period = new Uint8Array(200000);
  for (let i = 0; i < period.length; i++) period[i] = i < 30000 ? Math.floor(r() * 256) : period[i - 30000];
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 10)) & 0xff ^ (r() < 0.05 ? 0x55 : 0);
  return [
    { name: 'empty', data: new Uint8Array(0) },
    { name: 'one byte', data: new Uint8Array([42]) },
    { name: 'random 70k', data: random },
    { name: 'text 100k', data: new TextEncoder().encode(text) },
    { name: 'runs 50k', data: runs },
    { name: 'period 30000 (distances near 32k)', data: period },
    { name: 'mixed 1 MiB', data: big },
  ];
}

/** BTYPE of the first block of a raw deflate stream. */
function firstBlockType(raw: Uint8Array): number {
  return (raw[0] >>> 1) & 3;
}

test('inflateRaw and inflateZlib reproduce node:zlib deflate output at every level and strategy', () => {
  const seenTypes = new Set<number>();
  for (const { name, data } of inputs()) {
    for (let level = 0; level <= 9; level++) {
      if (data.length > 200000 && level % 3 !== 0) continue;
      const raw = new Uint8Array(deflateRawSync(data, { level }));
      seenTypes.add(firstBlockType(raw));
      assert.deepEqual(inflateRaw(raw, data.length), data, `${name} raw level ${level}`);
      assert.deepEqual(inflateRaw(raw), data, `${name} raw level ${level}, size unknown`);
      const z = new Uint8Array(deflateSync(data, { level }));
      assert.deepEqual(inflateZlib(z, data.length), data, `${name} zlib level ${level}`);
    }
    for (const strategy of [constants.Z_FIXED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FILTERED]) {
      const raw = new Uint8Array(deflateRawSync(data, { strategy }));
      seenTypes.add(firstBlockType(raw));
      assert.deepEqual(inflateRaw(raw), data, `${name} strategy ${strategy}`);
    }
    // small windows and memLevel change block splitting and distances
    const raw = new Uint8Array(deflateRawSync(data, { windowBits: 9, memLevel: 1 }));
    assert.deepEqual(inflateRaw(raw), data, `${name} windowBits 9`);
  }
  assert.deepEqual([...seenTypes].sort(), [0, 1, 2], 'stored, fixed and dynamic blocks were all exercised');
});

test('several blocks of different types in one stream (flushes between writes)', async () => {
  const { createDeflateRaw } = await import('node:zlib');
  const d = createDeflateRaw({ level: 6 });
  const chunks: Buffer[] = [];
  d.on('data', (c: Buffer) => chunks.push(c));
  const parts = [new Uint8Array(3000).fill(7), new TextEncoder().encode('x'.repeat(10) + 'hello'), new Uint8Array(5000).map((_, i) => (i * 31) & 255)];
  for (const p of parts) {
    d.write(p);
    await new Promise<void>((res) => d.flush(constants.Z_FULL_FLUSH, () => res()));
    d.params(p.length > 4000 ? 0 : 9, constants.Z_DEFAULT_STRATEGY, () => {});
  }
  d.end();
  await new Promise((res) => d.on('end', res));
  const raw = new Uint8Array(Buffer.concat(chunks));
  const want = new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));
  assert.deepEqual(inflateRaw(raw), want);
});

test('ZLIB_GLZ_RGB payloads of the golden captures inflate as node:zlib does, and decode', () => {
  let n = 0;
  for (const f of goldenFiles()) {
    const s = loadGolden(f);
    for (const img of displayImages(s)) {
      if (img.descriptor.type !== 107) continue;
      const z = img.zlib_glz;
      const ours = inflateZlib(z.data, z.glz_data_size);
      assert.deepEqual(ours, new Uint8Array(inflateSync(z.data)));
      expectCorrupt(() => inflateZlib(z.data, z.glz_data_size + 1), 'size one more than glz_data_size');
      expectCorrupt(() => inflateZlib(z.data, z.glz_data_size - 1), 'size one less');
      n++;
    }
  }
  assert.ok(n >= 10, `found ${n} ZLIB_GLZ_RGB images`);
});

test('decodeZlibGlz: zlib-wrapped GLZ decodes like the bare GLZ stream', () => {
  // take the GLZ images of a capture, wrap each with node's deflate, decode both ways
  const s = loadGolden('xspice-glz');
  const plain = new GlzDictionary();
  const wrapped = new GlzDictionary();
  let n = 0;
  for (const img of displayImages(s)) {
    if (img.descriptor.type !== 102) continue;
    const glz: Uint8Array = img.lz_rgb.data;
    const a = plain.decode(glz);
    const b = decodeZlibGlz(wrapped, glz.length, new Uint8Array(deflateSync(glz)));
    assert.ok(!(a instanceof Promise) && !(b instanceof Promise));
    assert.deepEqual((b as { pixels: Uint32Array }).pixels, (a as { pixels: Uint32Array }).pixels);
    n++;
  }
  assert.ok(n > 5);
  expectCorrupt(() => decodeZlibGlz(new GlzDictionary(), 10, new Uint8Array(deflateSync(new Uint8Array(11)))), 'wrong glz size');
});

test('adler32 matches zlib trailers', () => {
  for (const { data } of inputs()) {
    const z = deflateSync(data);
    assert.equal(adler32(data), z.readUInt32BE(z.length - 4));
  }
});

// ---------------------------------------------------------------------------
// corrupt input

/** Bit writer for hand-made deflate streams (Huffman codes are sent most significant bit first). */
class Bits {
  bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, count: number): this {
    for (let i = 0; i < count; i++) this.bit((value >>> i) & 1);
    return this;
  }
  code(code: number, len: number): this {
    for (let i = len - 1; i >= 0; i--) this.bit((code >>> i) & 1);
    return this;
  }
  private bit(b: number): void {
    this.acc |= b << this.n;
    if (++this.n === 8) {
      this.bytes.push(this.acc);
      this.acc = 0;
      this.n = 0;
    }
  }
  done(): Uint8Array {
    return new Uint8Array(this.n ? [...this.bytes, this.acc] : this.bytes);
  }
}
/** Fixed-code literal/length symbol. */
function fixedSym(b: Bits, sym: number): Bits {
  if (sym < 144) return b.code(0x30 + sym, 8);
  if (sym < 256) return b.code(0x190 + sym - 144, 9);
  if (sym < 280) return b.code(sym - 256, 7);
  return b.code(0xc0 + sym - 280, 8);
}

test('hand-made fixed block decodes; bad distances, symbols and block types throw', () => {
  // "abc" then length 6 (symbol 260) distance 3 (code 2): abcabcabc
  const ok = fixedSym(fixedSym(fixedSym(new Bits().put(1, 1).put(1, 2), 97), 98), 99);
  fixedSym(ok, 260).code(2, 5);
  fixedSym(ok, 256);
  assert.deepEqual(new TextDecoder().decode(inflateRaw(ok.done())), 'abcabcabc');

  const distTooFar = fixedSym(new Bits().put(1, 1).put(1, 2), 97);
  fixedSym(distTooFar, 257).code(1, 5); // distance 2 with 1 byte out
  fixedSym(distTooFar, 256);
  expectCorrupt(() => inflateRaw(distTooFar.done()), 'distance before the start', /before the start/);

  const badLen = fixedSym(fixedSym(new Bits().put(1, 1).put(1, 2), 97), 286);
  expectCorrupt(() => inflateRaw(badLen.put(0, 16).done()), 'length symbol 286', /length symbol/);
  const badDist = fixedSym(fixedSym(new Bits().put(1, 1).put(1, 2), 97), 257).code(30, 5);
  expectCorrupt(() => inflateRaw(badDist.put(0, 16).done()), 'distance symbol 30', /invalid distance/);
  expectCorrupt(() => inflateRaw(new Bits().put(1, 1).put(3, 2).put(0, 16).done()), 'block type 3', /block type/);
  // stored block with LEN/NLEN mismatch
  expectCorrupt(() => inflateRaw(new Uint8Array([1, 5, 0, 0xfb, 0xff, 1, 2, 3, 4, 5])), 'stored length check', /stored block length/);
  assert.deepEqual(inflateRaw(new Uint8Array([1, 5, 0, 0xfa, 0xff, 1, 2, 3, 4, 5])), new Uint8Array([1, 2, 3, 4, 5]));
  // dynamic block whose code-length code is over-subscribed (all 19 lengths 1)
  const over = new Bits().put(1, 1).put(2, 2).put(0, 5).put(0, 5).put(15, 4);
  for (let i = 0; i < 19; i++) over.put(1, 3);
  expectCorrupt(() => inflateRaw(over.put(0, 32).done()), 'over-subscribed code', /over-subscribed/);
  // dynamic block: first code-length symbol is 16 (repeat previous) with nothing before
  const rep = new Bits().put(1, 1).put(2, 2).put(0, 5).put(0, 5).put(0, 4);
  rep.put(1, 3).put(0, 3).put(0, 3).put(1, 3); // code lengths 1 for symbols 16 and 0: 0 -> code 0, 16 -> code 1
  expectCorrupt(() => inflateRaw(rep.code(1, 1).put(0, 40).done()), 'repeat with nothing before', /none before/);
  expectCorrupt(() => inflateRaw(rep.done().slice(0, 3)), 'lengths all zero', /ends early|end-of-block/);
});

test('truncation at every offset, and output over the limits, throw CORRUPT_IMAGE', () => {
  const r = rng(3);
  const data = new Uint8Array(3000).map((_, i) => (r() < 0.3 ? Math.floor(r() * 256) : i & 15));
  for (const level of [0, 1, 9]) {
    const raw = new Uint8Array(deflateRawSync(data, { level }));
    for (let cut = 0; cut < raw.length; cut++) expectCorrupt(() => inflateRaw(raw.subarray(0, cut)), `level ${level} raw cut at ${cut}`);
    const z = new Uint8Array(deflateSync(data, { level }));
    for (let cut = 0; cut < z.length; cut++) expectCorrupt(() => inflateZlib(z.subarray(0, cut)), `level ${level} zlib cut at ${cut}`);
  }
  const raw = new Uint8Array(deflateRawSync(new Uint8Array(1 << 20)));
  expectCorrupt(() => inflateRaw(raw, undefined, 1000), 'over maxSize');
  expectCorrupt(() => inflateRaw(raw, 1000), 'over expectedSize');
  expectCorrupt(() => inflateRaw(raw, (1 << 20) + 1), 'under expectedSize');
  expectCorrupt(() => inflateRaw(raw, 1 << 30, 1 << 20), 'expectedSize over maxSize');
  expectCorrupt(() => inflateRaw(new Uint8Array(10), 200 << 20), 'a size 10 bytes of deflate cannot reach', /cannot hold/);
  assert.equal(inflateRaw(raw, undefined, 1 << 20).length, 1 << 20, 'exactly maxSize is fine');
});

test('zlib framing: method, header check, preset dictionary and Adler-32 are checked', () => {
  const z = new Uint8Array(deflateSync(new TextEncoder().encode('hello hello hello')));
  assert.equal(new TextDecoder().decode(inflateZlib(z)), 'hello hello hello');
  const patched = (at: number, v: number) => {
    const d = z.slice();
    d[at] = v;
    return d;
  };
  expectCorrupt(() => inflateZlib(patched(0, 0x77)), 'method 7');
  expectCorrupt(() => inflateZlib(patched(1, z[1] ^ 1)), 'header check');
  expectCorrupt(() => inflateZlib(patched(0, 0x88)), 'window 2^16');
  const fdict = z.slice();
  fdict[1] = 0x20;
  fdict[1] += 31 - (((fdict[0] << 8) | fdict[1]) % 31);
  expectCorrupt(() => inflateZlib(fdict), 'preset dictionary');
  expectCorrupt(() => inflateZlib(patched(z.length - 1, z[z.length - 1] ^ 1)), 'Adler-32');
  // bytes after the trailer are ignored, as zlib does
  assert.equal(new TextDecoder().decode(inflateZlib(new Uint8Array([...z, 1, 2, 3]))), 'hello hello hello');
});

test('random corruption never hangs and throws only CORRUPT_IMAGE', () => {
  const r = rng(9);
  const src = new Uint8Array(20000).map((_, i) => (r() < 0.2 ? Math.floor(r() * 256) : (i >> 4) & 255));
  let failures = 0;
  for (const level of [1, 6, 9]) {
    const z = new Uint8Array(deflateSync(src, { level }));
    for (let k = 0; k < 150; k++) {
      const d = z.slice();
      for (let j = 0; j < 2; j++) d[2 + Math.floor(r() * (d.length - 6))] = Math.floor(r() * 256);
      try {
        inflateZlib(d, undefined, 1 << 20);
      } catch (e) {
        assert.ok(e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE, String(e));
        failures++;
      }
    }
  }
  assert.ok(failures > 100);
});
