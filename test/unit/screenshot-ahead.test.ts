/**
 * `spice-ts screenshot`'s capture against an in-memory server: the picture is
 * encoded ahead as the quiet period starts, that encoding is the result when
 * nothing is drawn afterwards, and a drawing during the quiet period (or with
 * --settle 0, no quiet period at all) makes the result the final picture's.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SurfaceFmt } from '../../src/protocol/enums/index.js';
import type { SpiceSession } from '../../src/client/session.js';
import { captureEncoded } from '../../src/cli/commands/screenshot.js';
import type { RgbaImage } from '../../src/cli/image-common.js';
import { until } from '../helpers/pair.js';
import { fakeDisplaySession, type ServerEnd } from '../helpers/fake-server.js';

const fill = (color: number, left = 0) => ({
  name: 'draw_fill',
  body: {
    base: { surface_id: 0, box: { top: 0, left, bottom: 2, right: left + 2 }, clip: { type: 0, rects: null } },
    data: { brush: { type: 1, color }, rop_descriptor: 8, mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null } },
  },
});

/** A session showing a 4x2 surface with its left half filled; closed after the test. */
async function session4x2(t: TestContext): Promise<{ session: SpiceSession; display: ServerEnd }> {
  const { session, display } = await fakeDisplaySession({ sessionId: 9 });
  t.after(() => session.close());
  display.channel.send({ name: 'surface_create', body: { surface_id: 0, width: 4, height: 2, format: SurfaceFmt['32_xRGB'], flags: 1 } });
  display.channel.send(fill(0x112233) as never);
  return { session, display };
}

/** An "encoder" that records the pictures it was given: the first pixel's colour, as one byte string. */
function recorder() {
  const seen: number[][] = [];
  const at: number[] = [];
  const encode = (img: RgbaImage) => {
    const px = Array.from(img.pixels, (p) => p & 0xffffff);
    seen.push(px);
    at.push(performance.now());
    return Uint8Array.from(px.flatMap((p) => [p >> 16, (p >> 8) & 255, p & 255]));
  };
  return { seen, at, encode };
}

test('a still screen: the picture encoded as the quiet period starts is the result, encoded once', async (t) => {
  const { session, display } = await session4x2(t);
  const r = recorder();
  const result = captureEncoded(session, { settleMs: 60, deadline: Date.now() + 3000, encode: r.encode });
  display.channel.send({ name: 'mark', body: {} });
  const bytes = await result;
  const end = performance.now();
  assert.equal(r.seen.length, 1, 'encoded once');
  assert.ok(end - r.at[0]! >= 40, `encoded as the 60 ms quiet period started (${(end - r.at[0]!).toFixed(0)} ms before the end)`);
  assert.deepEqual(r.seen[0], [0x112233, 0x112233, 0, 0, 0x112233, 0x112233, 0, 0]);
  assert.deepEqual([...bytes.subarray(0, 3)], [0x11, 0x22, 0x33]);
});

test('a drawing during the quiet period: the result is the final picture, not the one encoded ahead', async (t) => {
  const { session, display } = await session4x2(t);
  const r = recorder();
  const result = captureEncoded(session, { settleMs: 80, deadline: Date.now() + 3000, encode: r.encode });
  display.channel.send({ name: 'mark', body: {} });
  await until(() => r.seen.length === 1); // encoded ahead
  display.channel.send(fill(0x445566, 2) as never);
  const bytes = await result;
  const last = r.seen.at(-1)!;
  assert.deepEqual(last, [0x112233, 0x112233, 0x445566, 0x445566, 0x112233, 0x112233, 0x445566, 0x445566]);
  assert.ok(r.seen.length <= 3, `encoded ahead at most twice, then at the end if need be (${r.seen.length})`);
  assert.deepEqual([...bytes.subarray(6, 9)], [0x44, 0x55, 0x66]);
});

test('--settle 0: nothing is encoded ahead; the picture at MARK is encoded once', async (t) => {
  const { session, display } = await session4x2(t);
  const r = recorder();
  const result = captureEncoded(session, { settleMs: 0, deadline: Date.now() + 3000, encode: r.encode });
  display.channel.send({ name: 'mark', body: {} });
  await result;
  assert.equal(r.seen.length, 1);
  assert.equal(r.seen[0]![0], 0x112233);
});

test('an encoder that throws while encoding ahead does not crash: the error comes from the final encoding', async (t) => {
  const { session, display } = await session4x2(t);
  let calls = 0;
  const encode = () => { calls++; throw new Error('disk full of pixels'); };
  const result = captureEncoded(session, { settleMs: 40, deadline: Date.now() + 3000, encode });
  display.channel.send({ name: 'mark', body: {} });
  await assert.rejects(result, /disk full of pixels/);
  assert.equal(calls, 2, 'once ahead (swallowed), once at the end (reported)');
});
