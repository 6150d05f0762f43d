/**
 * Client pieces that need no server: the message queue (order kept across
 * asynchronous handlers), cursor shapes of every type, mouse action parsing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialQueue } from '../../src/client/serial-queue.js';
import { decodeCursorShape } from '../../src/client/channels/cursor-shape.js';
import { parseMouseActions, unescapeText } from '../../src/cli/commands/input.js';
import { CursorType, MouseButton } from '../../src/protocol/enums/index.js';
import { isSpiceError } from '../../src/protocol/errors.js';
import { ImageCache } from '../../src/canvas/caches.js';

test('SerialQueue runs handlers in order, waiting for asynchronous ones', async () => {
  const seen: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const q = new SerialQueue<number>((n) => {
    if (n === 2) return gate.then(() => { seen.push(n); });
    seen.push(n);
  }, () => assert.fail('no failure expected'));
  q.push(1); q.push(2); q.push(3);
  assert.deepEqual(seen, [1], 'item 3 waits for the asynchronous item 2');
  release();
  await q.idle();
  assert.deepEqual(seen, [1, 2, 3]);
  q.push(4);
  assert.deepEqual(seen, [1, 2, 3, 4], 'synchronous again once idle');
});

test('SerialQueue reports a failing handler and goes on; stop() drops the rest', async () => {
  const failures: unknown[] = [];
  const seen: number[] = [];
  const q = new SerialQueue<number>((n) => {
    if (n === 2) throw new Error('two');
    if (n === 3) return Promise.reject(new Error('three'));
    seen.push(n);
  }, (e) => failures.push((e as Error).message));
  q.push(1); q.push(2); q.push(3); q.push(4);
  await q.idle();
  assert.deepEqual(seen, [1, 4]);
  assert.deepEqual(failures, ['two', 'three']);
  q.stop();
  q.push(5);
  await q.idle();
  assert.deepEqual(seen, [1, 4]);
});

const hdr = (type: number, w: number, h: number) => ({ type, width: w, height: h, hot_spot_x: 1, hot_spot_y: 2 });

test('MONO cursor: AND/XOR masks give black, white, transparent and inverting pixels', () => {
  // 2x2 shape, one byte per row: AND rows then XOR rows (bits from the left).
  // pixel (0,0): and 0 xor 0 -> black; (1,0): and 0 xor 1 -> white
  // pixel (0,1): and 1 xor 0 -> transparent; (1,1): and 1 xor 1 -> invert
  const data = Uint8Array.of(0b00000000, 0b11000000, 0b01000000, 0b01000000);
  const s = decodeCursorShape(hdr(CursorType.MONO, 2, 2), data);
  assert.equal(s.pixels[0], 0xff000000);
  assert.equal(s.pixels[1], 0xffffffff);
  assert.equal(s.pixels[2], 0);
  assert.notEqual(s.pixels[3]! >>> 24, 0, 'inverting pixels are visible');
  assert.deepEqual([s.hotX, s.hotY], [1, 2]);
});

test('ALPHA cursor keeps B,G,R,A words as they are', () => {
  const data = Uint8Array.of(0x10, 0x20, 0x30, 0x80, 0xff, 0xff, 0xff, 0x00);
  const s = decodeCursorShape(hdr(CursorType.ALPHA, 2, 1), data);
  assert.deepEqual([...s.pixels], [0x80302010, 0x00ffffff]);
});

test('COLOR32, COLOR24, COLOR16, COLOR8, COLOR4 cursors with their AND masks', () => {
  const mask = (bits: number) => Uint8Array.of(bits); // 2x1: one mask byte
  const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
  // pixel 0 opaque red, pixel 1 masked with colour 0 -> transparent
  const c32 = decodeCursorShape(hdr(CursorType.COLOR32, 2, 1), cat(Uint8Array.of(0, 0, 0xff, 0, 0, 0, 0, 0), mask(0b01000000)));
  assert.deepEqual([...c32.pixels], [0xffff0000, 0]);
  const c24 = decodeCursorShape(hdr(CursorType.COLOR24, 2, 1), cat(Uint8Array.of(0xff, 0, 0, 0, 0, 0), mask(0b01000000)));
  assert.deepEqual([...c24.pixels], [0xff0000ff, 0]);
  // x555 0x7c00 = red 31 -> 0xff
  const c16 = decodeCursorShape(hdr(CursorType.COLOR16, 2, 1), cat(Uint8Array.of(0x00, 0x7c, 0x1f, 0x00), mask(0)));
  assert.deepEqual([...c16.pixels], [0xffff0000, 0xff0000ff]);
  const pal8 = new Uint8Array(1024);
  new DataView(pal8.buffer).setUint32(4 * 7, 0x00123456, true);
  const c8 = decodeCursorShape(hdr(CursorType.COLOR8, 2, 1), cat(Uint8Array.of(7, 0), pal8, mask(0b01000000)));
  assert.deepEqual([...c8.pixels], [0xff123456, 0]);
  const pal4 = new Uint8Array(64);
  new DataView(pal4.buffer).setUint32(4 * 3, 0x00abcdef, true);
  new DataView(pal4.buffer).setUint32(4 * 5, 0x00010203, true);
  const c4 = decodeCursorShape(hdr(CursorType.COLOR4, 2, 1), cat(Uint8Array.of(0x35), pal4, mask(0)));
  assert.deepEqual([...c4.pixels], [0xffabcdef, 0xff010203], 'high nibble first');
});

test('cursor shapes: short data, oversized and unknown types are coded errors', () => {
  for (const [type, w, h, len] of [[CursorType.ALPHA, 4, 4, 63], [CursorType.MONO, 8, 8, 15], [CursorType.COLOR32, 2, 2, 16]] as const) {
    assert.throws(() => decodeCursorShape(hdr(type, w, h), new Uint8Array(len)), (e) => isSpiceError(e) && e.code === 'ERR_CORRUPT_IMAGE');
  }
  assert.throws(() => decodeCursorShape(hdr(CursorType.ALPHA, 5000, 1), new Uint8Array(20000)), (e) => isSpiceError(e) && e.code === 'ERR_LIMIT');
  assert.throws(() => decodeCursorShape(hdr(42, 1, 1), new Uint8Array(8)), (e) => isSpiceError(e) && e.code === 'ERR_UNSUPPORTED');
});

test('mouse actions parse in order, with default and named buttons', () => {
  assert.deepEqual(parseMouseActions(['move', '10', '20', 'click', 'click', 'right', 'scroll', '-3', 'down', 'middle', 'up']), [
    { kind: 'move', x: 10, y: 20 },
    { kind: 'click', button: MouseButton.LEFT },
    { kind: 'click', button: MouseButton.RIGHT },
    { kind: 'scroll', steps: -3 },
    { kind: 'down', button: MouseButton.MIDDLE },
    { kind: 'up', button: MouseButton.LEFT },
  ]);
  for (const bad of [['move', '1'], ['move', 'a', '2'], ['scroll'], ['jump'], ['click', 'sideways'], ['move', '-1', '5']]) {
    assert.throws(() => parseMouseActions(bad), (e) => isSpiceError(e) && e.code === 'ERR_BAD_ARGUMENT', bad.join(' '));
  }
});

test('a shared image cache lets FROM_CACHE wait for another display channel; alone, a miss is an error at once', async () => {
  const img = { width: 1, height: 1, pixels: Uint32Array.of(0xff123456), format: 'xrgb' as const };
  const alone = new ImageCache({ maxWaitMs: 50 });
  alone.users = 1;
  assert.throws(() => alone.lookup(5n, false), (e) => isSpiceError(e) && e.code === 'ERR_INCONSISTENT');
  const shared = new ImageCache({ maxWaitMs: 200 });
  shared.users = 2;
  const waiting = shared.lookup(5n, false);
  assert.ok(waiting instanceof Promise);
  shared.put(5n, img);
  assert.equal(await waiting, img);
  // lossless wanted, lossy stored: waits for CACHE_REPLACE_ME
  shared.put(6n, img, true);
  const lossless = shared.lookup(6n, true);
  assert.ok(lossless instanceof Promise);
  const better = { ...img, pixels: Uint32Array.of(0xff000001) };
  shared.replaceLossy(6n, better);
  assert.equal(await lossless, better);
  await assert.rejects(Promise.resolve(shared.lookup(7n, false)), (e) => isSpiceError(e) && e.code === 'ERR_INCONSISTENT');
});

test('type: \\n, \\t and \\\\ in command-line text become Return, Tab and a backslash; other backslashes stay', () => {
  assert.equal(unescapeText('a\\nb\\tc\\\\d\\;e'), 'a\nb\tc\\d\\;e');
  assert.equal(unescapeText('real\nnewline'), 'real\nnewline');
  assert.equal(unescapeText('\\\\n'), '\\n', 'an escaped backslash before n is a backslash and an n');
});
