/**
 * The web viewer's pure drawing helpers: 0xAARRGGBB surface words to ImageData's RGBA
 * bytes (alpha forced, only the box touched, bounds checked), damage collection between
 * frames, remote cursor pixels, and the status line's words for errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argbToRgba, DirtyRects, isScaleMode, canvasCssSize, SCALE_MODES, type Box } from '../../src/viewer/render.js';
import { cursorRgba, cssCursor } from '../../src/viewer/cursor.js';
import { describeError } from '../../src/viewer/status.js';
import { WebSocketClosed } from '../../src/viewer/ws-transport.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { LinkErr } from '../../src/protocol/enums/index.js';

test('argbToRgba converts exactly the box, R,G,B order, alpha forced to 255', () => {
  const w = 5, h = 4;
  const src = new Uint32Array(w * h);
  for (let i = 0; i < src.length; i++) src[i] = ((i * 0x01020304) ^ 0x5a00a5ff) >>> 0;
  const dst = new Uint8ClampedArray(w * h * 4).fill(7);
  const box: Box = { x0: 1, y0: 1, x1: 4, y1: 3 };
  argbToRgba(src, w, dst, box);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const inside = x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1;
      const got = Array.from(dst.subarray(i * 4, i * 4 + 4));
      const p = src[i]!;
      const want = inside ? [(p >>> 16) & 255, (p >>> 8) & 255, p & 255, 255] : [7, 7, 7, 7];
      assert.deepEqual(got, want, `pixel ${x},${y}`);
    }
  }
});

test('argbToRgba refuses boxes outside the surface and short buffers instead of writing past them', () => {
  const src = new Uint32Array(4 * 4);
  const dst = new Uint8ClampedArray(4 * 4 * 4);
  assert.throws(() => argbToRgba(src, 4, dst, { x0: 0, y0: 0, x1: 5, y1: 1 }), RangeError);
  assert.throws(() => argbToRgba(src, 4, dst, { x0: -1, y0: 0, x1: 1, y1: 1 }), RangeError);
  assert.throws(() => argbToRgba(src, 4, dst, { x0: 0, y0: 3, x1: 1, y1: 5 }), RangeError);
  assert.throws(() => argbToRgba(src, 4, new Uint8ClampedArray(8), { x0: 0, y0: 0, x1: 1, y1: 1 }), RangeError);
  argbToRgba(src, 4, dst, { x0: 2, y0: 2, x1: 2, y1: 2 }); // empty: fine
});

test('DirtyRects clips, drops contained boxes, merges past the limit and empties on take', () => {
  const d = new DirtyRects(3);
  assert.equal(d.empty, true);
  d.add({ left: -5, top: -5, right: 10, bottom: 10 }, 100, 100);
  d.add({ left: 2, top: 2, right: 8, bottom: 8 }, 100, 100); // inside the first
  d.add({ left: 50, top: 50, right: 50, bottom: 60 }, 100, 100); // empty
  d.add({ left: 90, top: 90, right: 200, bottom: 200 }, 100, 100);
  assert.deepEqual(d.take(), [{ x0: 0, y0: 0, x1: 10, y1: 10 }, { x0: 90, y0: 90, x1: 100, y1: 100 }]);
  assert.equal(d.empty, true);
  // A box covering others replaces them.
  d.add({ left: 1, top: 1, right: 2, bottom: 2 }, 100, 100);
  d.add({ left: 3, top: 3, right: 4, bottom: 4 }, 100, 100);
  d.add({ left: 0, top: 0, right: 5, bottom: 5 }, 100, 100);
  assert.deepEqual(d.take(), [{ x0: 0, y0: 0, x1: 5, y1: 5 }]);
  // Past 3 boxes, a new one joins the box it grows least.
  d.add({ left: 0, top: 0, right: 10, bottom: 10 }, 100, 100);
  d.add({ left: 50, top: 0, right: 60, bottom: 10 }, 100, 100);
  d.add({ left: 0, top: 80, right: 10, bottom: 90 }, 100, 100);
  d.add({ left: 52, top: 12, right: 58, bottom: 14 }, 100, 100);
  const boxes = d.take();
  assert.equal(boxes.length, 3);
  assert.deepEqual(boxes[1], { x0: 50, y0: 0, x1: 60, y1: 14 });
  // Every damaged pixel is still covered.
  d.addAll(30, 20);
  assert.deepEqual(d.take(), [{ x0: 0, y0: 0, x1: 30, y1: 20 }]);
});

test('cursor pixels: straight-alpha ARGB to RGBA; CSS cursor value with hot spot', () => {
  const shape = { width: 2, height: 1, hotX: 1, hotY: 0, type: 0, pixels: new Uint32Array([0x80ff0000, 0x00000000]) };
  assert.deepEqual(Array.from(cursorRgba(shape)), [255, 0, 0, 128, 0, 0, 0, 0]);
  assert.throws(() => cursorRgba({ ...shape, width: 3 }), RangeError);
  assert.equal(cssCursor('data:image/png;base64,AA', 3.4, 7), 'url("data:image/png;base64,AA") 3 7, default');
  assert.equal(cssCursor(undefined, 0, 0), 'none');
});

test('status words: missing and wrong password, unreachable, TLS-only, others', () => {
  const auth = new SpiceError(ErrorCode.AUTH_FAILED, 'x', { linkError: LinkErr.PERMISSION_DENIED });
  const url = 'ws://h:1/';
  assert.deepEqual(describeError(auth, { url, passwordGiven: false }), { text: 'The server needs a password.', needsPassword: true });
  assert.deepEqual(describeError(auth, { url, passwordGiven: true }), { text: 'The server refused the password.', needsPassword: true });
  assert.equal(describeError(new SpiceError(ErrorCode.CONNECT, 'x'), { url, passwordGiven: false }).text, 'Cannot reach a SPICE server at ws://h:1/.');
  const secured = new SpiceError(ErrorCode.LINK_REFUSED, 'x', { linkError: LinkErr.NEED_SECURED });
  assert.match(describeError(secured, { url, passwordGiven: false }).text, /encrypted \(TLS\)/);
  assert.equal(describeError(new SpiceError(ErrorCode.CORRUPT_IMAGE, 'bad QUIC'), { url, passwordGiven: true }).text, 'Disconnected: bad QUIC');
  assert.equal(describeError(new Error('boom'), { url, passwordGiven: true }).needsPassword, false);
  // A WebSocket that went without a close frame (1006): the connection was lost.
  const lost = new SpiceError(ErrorCode.CLOSED, 'WebSocket ws://h:1/ closed: the connection was lost', { cause: new WebSocketClosed(1006, '') });
  assert.equal(describeError(lost, { url, passwordGiven: false }).text, 'The connection to ws://h:1/ was lost.');
  const refused = new SpiceError(ErrorCode.CLOSED, 'WebSocket ws://h:1/ closed: refused by policy: unknown token', { cause: new WebSocketClosed(1008, 'unknown token') });
  assert.match(describeError(refused, { url, passwordGiven: false }).text, /^The connection was closed: .*unknown token$/);
});

test('scale modes: fit, none and resize (shown as fit until the guest has the new size)', () => {
  assert.deepEqual([...SCALE_MODES], ['fit', 'none', 'resize']);
  for (const m of SCALE_MODES) assert.equal(isScaleMode(m), true, m);
  for (const v of ['Fit', 'scale', '', undefined, null, 1]) assert.equal(isScaleMode(v), false, String(v));
  const surface = { width: 1024, height: 768 };
  const box = { width: 800, height: 800 };
  assert.deepEqual(canvasCssSize('fit', surface, box), { width: 800, height: 600, scale: 800 / 1024 });
  assert.deepEqual(canvasCssSize('resize', surface, box), canvasCssSize('fit', surface, box));
  assert.deepEqual(canvasCssSize('none', surface, box, 2), { width: 512, height: 384, scale: 0.5 });
});
