/**
 * The hand-written DRAW_FILL / DRAW_COPY / COPY_BITS writers (src/protocol/wire/
 * display-fast-path.ts) against the schema walk: on thousands of random messages of the
 * shapes a server sends they must take the message and write the same bytes; on every
 * other shape (the schema's sample values for each switch case) and on broken values
 * (out of range, wrong type, missing) the outcome must be the schema walk's, bytes or error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channels } from '../../src/protocol/schema/channels.js';
import { decodeMessage, encodeMessage, encodeMessageInto } from '../../src/protocol/messages.js';
import { ByteWriter } from '../../src/protocol/wire/bytes.js';
import { fastWriter, setFastPathsEnabled } from '../../src/protocol/wire/fast-path.js';
import { registerDisplayFastPaths } from '../../src/protocol/wire/display-fast-path.js';
import { BitmapFlags, BitmapFmt, BrushType, ClipType, ImageFlags, ImageScaleMode, ImageType, Ropd } from '../../src/protocol/enums/index.js';
import type { StructType } from '../../src/protocol/wire/types.js';
import { rng, sample, variantsOf } from '../helpers/sample.js';

registerDisplayFastPaths();
const display = channels.display;
const NAMES = ['draw_fill', 'draw_copy', 'copy_bits'] as const;
const bodyType = (name: string) => display.server.byName.get(name)!.body as StructType<unknown>;

type Outcome = { bytes: Uint8Array } | { error: string };

function outcome(name: string, body: unknown, fast: boolean): Outcome {
  setFastPathsEnabled(fast);
  try {
    return { bytes: encodeMessage(display, 'server', { name, body: body as Record<string, unknown> }).body };
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  } finally {
    setFastPathsEnabled(true);
  }
}

const EDGE_I32 = [0, 1, -1, 0x7fffffff, -0x80000000, 1023, 768];
const EDGE_U32 = [0, 1, 0xffffffff, 0x80000000, 4096];
const EDGE_ID = [0n, 1n, 0xffffffffffffffffn, -1n, 1n << 63n];

function gen(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const i32 = () => (r() < 0.2 ? pick(EDGE_I32) : Math.floor(r() * 4096) - 1024);
  const u32 = () => (r() < 0.2 ? pick(EDGE_U32) : Math.floor(r() * 0x100000000));
  const u8 = () => Math.floor(r() * 256);
  const rect = () => ({ top: i32(), left: i32(), bottom: i32(), right: i32() });
  const base = () => ({ surface_id: r() < 0.7 ? 0 : u32(), box: rect(), clip: { type: ClipType.NONE } });
  const mask = () => ({ flags: r() < 0.8 ? 0 : u8(), pos: { x: i32(), y: i32() }, bitmap: null });
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => u8());
  const image = (): Record<string, unknown> | null => {
    if (r() < 0.05) return null;
    const type = pick([ImageType.QUIC, ImageType.LZ_RGB, ImageType.GLZ_RGB, ImageType.JPEG, ImageType.LZ4, ImageType.BITMAP,
      ImageType.FROM_CACHE, ImageType.FROM_CACHE_LOSSLESS]);
    const width = 1 + Math.floor(r() * 64), height = 1 + Math.floor(r() * 16);
    const descriptor = { id: r() < 0.2 ? pick(EDGE_ID) : BigInt(Math.floor(r() * 1e9)), type, flags: pick([0, ImageFlags.CACHE_ME, ImageFlags.CACHE_REPLACE_ME, u8()]), width, height };
    if (type === ImageType.BITMAP) {
      const stride = width * 4;
      return { descriptor, bitmap: { format: BitmapFmt['32BIT'], flags: pick([BitmapFlags.TOP_DOWN, 0]), x: width, y: height, stride, palette: null, data: bytes(stride * height) } };
    }
    if (type === ImageType.FROM_CACHE || type === ImageType.FROM_CACHE_LOSSLESS) return { descriptor };
    const data = bytes(Math.floor(r() * 300));
    const prop = ({ [ImageType.QUIC]: 'quic', [ImageType.JPEG]: 'jpeg', [ImageType.LZ4]: 'lz4' } as Record<number, string>)[type] ?? 'lz_rgb';
    return { descriptor, [prop]: { data_size: data.length, data } };
  };
  return {
    draw_fill: () => ({ base: base(), data: { brush: { type: BrushType.SOLID, color: r() < 0.5 ? u32() & 0xffffff : u32() }, rop_descriptor: r() < 0.8 ? Ropd.OP_PUT : Math.floor(r() * 0x10000), mask: mask() } }),
    draw_copy: () => ({
      base: base(),
      data: { src_bitmap: image(), src_area: rect(), rop_descriptor: r() < 0.8 ? Ropd.OP_PUT : Math.floor(r() * 0x10000), scale_mode: r() < 0.9 ? ImageScaleMode.NEAREST : u8(), mask: mask() },
    }),
    copy_bits: () => ({ base: base(), src_pos: { x: i32(), y: i32() } }),
    pick, r,
  };
}

test('fast writers take every server-shaped DRAW_FILL/DRAW_COPY/COPY_BITS and write the schema walk\'s bytes', () => {
  for (let seed = 1; seed <= 1500; seed++) {
    const g = gen(seed);
    for (const name of NAMES) {
      const body = g[name]();
      const writer = fastWriter(bodyType(name))!;
      assert.ok(writer, `${name} has a fast writer`);
      const w = new ByteWriter(8);
      assert.equal(writer(body, w), true, `${name} seed ${seed} taken`);
      const slow = outcome(name, body, false);
      assert.ok('bytes' in slow, `${name} seed ${seed}: the schema walk failed: ${'error' in slow ? slow.error : ''}`);
      assert.deepEqual(w.view(), slow.bytes, `${name} seed ${seed}`);
      // Through encodeMessage (the hook), and after a header already in the writer.
      assert.deepEqual(outcome(name, body, true), slow);
      const pre = new ByteWriter(4).u32(0xdeadbeef).u16(7);
      encodeMessageInto(display, 'server', { name, body }, pre);
      assert.deepEqual(pre.view().subarray(6), slow.bytes, `${name} seed ${seed} after a header`);
      // And it decodes to what was given (ids as unsigned 64-bit).
      const back = decodeMessage(display, 'server', display.server.byName.get(name)!.type, slow.bytes);
      assert.equal(back.name, name);
    }
  }
});

test('every other shape of these messages (each switch case of the schema) comes out as the schema walk makes it', () => {
  for (const name of NAMES) {
    const t = bodyType(name);
    for (let v = 0; v < variantsOf(t); v++) {
      for (let seed = 1; seed <= 20; seed++) {
        const body = sample(t, seed * 97 + v, v);
        assert.deepEqual(outcome(name, body, true), outcome(name, body, false), `${name} variant ${v} seed ${seed}`);
      }
    }
  }
});

/** Every path to a leaf or object inside `v` (arrays and byte arrays as leaves). */
function paths(v: unknown, at: string[] = [], out: string[][] = []): string[][] {
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v)) {
    for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  }
  if (at.length) out.push(at);
  return out;
}

function clone(v: unknown): unknown {
  if (v instanceof Uint8Array) return v;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
}

test('broken values (out of range, wrong type, missing, null) get the schema walk\'s error or bytes', () => {
  const bad: unknown[] = [-1, 0x100000000, -0x80000001, 1.5, NaN, Infinity, '7', 7n, -1n, true, null, undefined, {}, [], new Uint8Array(3)];
  let cases = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const g = gen(seed);
    for (const name of NAMES) {
      const body = g[name]();
      const all = paths(body);
      for (let k = 0; k < 4; k++) {
        const path = g.pick(all);
        const copy = clone(body) as Record<string, unknown>;
        let o = copy as Record<string, unknown>;
        for (const p of path.slice(0, -1)) o = o[p] as Record<string, unknown>;
        const last = path[path.length - 1]!;
        if (g.r() < 0.15) delete o[last]; else o[last] = g.pick(bad);
        assert.deepEqual(outcome(name, copy, true), outcome(name, copy, false), `${name} seed ${seed} ${path.join('.')}`);
        cases++;
      }
      // A body that is not even an object.
      for (const junk of [null, 3, 'x']) assert.deepEqual(outcome(name, junk, true), outcome(name, junk, false));
    }
  }
  assert.ok(cases > 3000);
});
