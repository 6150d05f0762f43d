/**
 * How the x11 source takes large replies and pointer news without waste: the framer's
 * replies in pieces (`partsOver`), replies streamed to a sink as they arrive
 * (`streamTo`) and copies of small messages (`copySmall`, also from Buffer chunks,
 * whose slice() is a view); ZPixmap copies from pieces and from a stream, against the
 * plain copy at every split; GetImage heads split across pieces; the XInput 2 requests
 * byte by byte; and PointerWatch (raw motion, coalesced queries, polling) against a
 * fake connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { X11Framer, type X11Message } from '../../src/server/sources/x11/framer.js';
import { copyZPixmap, copyZPixmapParts, zpixmapSink, zpixmapStride, type PixelFormat } from '../../src/server/sources/x11/pixels.js';
import { parseGetImageParts } from '../../src/server/sources/x11/protocol.js';
import * as E from '../../src/server/sources/x11/extensions.js';
import { PointerWatch } from '../../src/server/sources/x11/pointer.js';
import type { X11Connection } from '../../src/server/sources/x11/connection.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const LSB32: PixelFormat = { bitsPerPixel: 32, msbFirst: false, redMask: 0xff0000, greenMask: 0xff00, blueMask: 0xff, scanlinePad: 32 };
const F565: PixelFormat = { bitsPerPixel: 16, msbFirst: false, redMask: 0xf800, greenMask: 0x07e0, blueMask: 0x001f, scanlinePad: 32 };

function setupReply(): Uint8Array {
  const b = new Uint8Array(8 + 4 * 2);
  b[0] = 1;
  new DataView(b.buffer).setUint16(6, 2, true);
  return b;
}

/** A GetImage-like reply: 32-byte head (length in words at 4) then `data`. */
function imageReply(seq: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(32 + data.length);
  b[0] = 1; b[1] = 24; b[2] = seq & 255; b[3] = seq >> 8;
  new DataView(b.buffer).setUint32(4, data.length / 4, true);
  b.set(data, 32);
  return b;
}

const eventMsg = (code: number, seq: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? code : i === 2 ? seq & 255 : i === 3 ? seq >> 8 : i * 3));

/** Cuts `b` at the given offsets. */
function cut(b: Uint8Array, at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  for (const a of [...at, b.length]) { if (a > o) out.push(b.slice(o, a)); o = Math.max(o, a); }
  return out;
}

test('framer: a large reply over several chunks comes as parts that add up to it; small ones whole; nothing lost', () => {
  const r = lcg(3);
  for (let round = 0; round < 60; round++) {
    const data = Uint8Array.from({ length: 4 * (1000 + Math.floor(r() * 3000)) }, () => Math.floor(r() * 256));
    const big = imageReply(7, data), small = imageReply(8, data.subarray(0, 40)), ev = eventMsg(22, 8);
    const stream = new Uint8Array([...setupReply(), ...ev, ...big, ...small, ...ev]);
    const f = new X11Framer({ partsOver: 4096 });
    const cuts = Array.from({ length: 1 + Math.floor(r() * 6) }, () => Math.floor(r() * stream.length)).sort((a, b) => a - b);
    const got: X11Message[] = [];
    for (const c of cut(stream, cuts)) got.push(...f.push(c));
    assert.deepEqual(got.map((m) => m.kind), ['setup', 'event', 'reply', 'reply', 'event']);
    const g = got[2] as Extract<X11Message, { kind: 'reply' }>;
    const whole = g.parts ? Uint8Array.from(g.parts.flatMap((p) => [...p])) : g.bytes;
    assert.equal(hex(whole), hex(big), `round ${round}`);
    if (g.parts) assert.equal(hex(g.bytes), hex(big.subarray(0, 32)));
    assert.equal(hex(got[3]!.bytes), hex(small));
    assert.equal(f.pending, 0);
  }
});

test('framer: a reply streamed to a sink gets every byte at its offset, whatever the chunking; the reply then comes with its head', () => {
  const r = lcg(9);
  for (let round = 0; round < 60; round++) {
    const data = Uint8Array.from({ length: 4 * (2000 + Math.floor(r() * 2000)) }, () => Math.floor(r() * 256));
    const big = imageReply(5, data), ev = eventMsg(28, 5);
    const stream = new Uint8Array([...setupReply(), ...big, ...ev]);
    const got = new Uint8Array(big.length).fill(0xee);
    let asked = 0;
    const f = new X11Framer({
      partsOver: 1024,
      streamTo: (seq, size) => { asked++; assert.equal(seq, 5); assert.equal(size, big.length); return (piece, at) => got.set(piece, at); },
    });
    const cuts = Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * stream.length)).sort((a, b) => a - b);
    const out: X11Message[] = [];
    for (const c of cut(stream, cuts)) out.push(...f.push(c));
    assert.deepEqual(out.map((m) => m.kind), ['setup', 'reply', 'event']);
    const rep = out[1] as Extract<X11Message, { kind: 'reply' }>;
    if (rep.streamed) {
      assert.equal(asked, 1);
      assert.equal(hex(got), hex(big), `round ${round}`);
      assert.equal(hex(rep.bytes), hex(big.subarray(0, 32)));
    } else {
      // It all came in one chunk: no need to stream, the reply is whole.
      assert.equal(hex(rep.bytes), hex(big));
    }
    assert.equal(f.pending, 0);
  }
});

test('framer: reads go straight into a packed destination when the sink says where (directTarget, pushDirect), at any read sizes', () => {
  const r = lcg(21);
  for (let round = 0; round < 40; round++) {
    const w = 40 + Math.floor(r() * 60), h = 30 + Math.floor(r() * 40);
    const data = Uint8Array.from({ length: w * h * 4 }, () => Math.floor(r() * 256));
    const big = imageReply(9, data), ev = eventMsg(22, 9);
    const stream = new Uint8Array([...setupReply(), ...big, ...ev]);
    // Packed rows (stride = width) at an offset inside a bigger array: sink with `into`.
    const at = 3 + Math.floor(r() * 5);
    const dst = new Uint32Array(at + w * h + 4).fill(0xdeadbeef);
    const f = new X11Framer({ partsOver: 1024, streamTo: (_seq, size) => zpixmapSink(LSB32, w, h, dst, at, w, size) });
    const own = new Uint8Array(512); // the caller's read buffer
    const out: X11Message[] = [];
    let pos = 0, direct = 0;
    while (pos < stream.length) {
      const max = 1 + Math.floor(r() * 700);
      const target = f.directTarget(max);
      if (target) {
        assert.ok(target.length <= max && target.buffer === dst.buffer, 'a view of the destination, no longer than asked');
        // The "kernel" writes as much as it has, up to the view's length.
        const n = Math.min(target.length, stream.length - pos, 1 + Math.floor(r() * target.length));
        target.set(stream.subarray(pos, pos + n));
        pos += n;
        direct += n;
        out.push(...f.pushDirect(n));
      } else {
        const n = Math.min(own.length, stream.length - pos, 1 + Math.floor(r() * 300));
        own.set(stream.subarray(pos, pos + n));
        pos += n;
        out.push(...f.push(new Uint8Array(own.buffer, 0, n)));
        f.release(own.buffer, 4096);
      }
    }
    assert.deepEqual(out.map((m) => m.kind), ['setup', 'reply', 'event'], `round ${round}`);
    assert.ok(direct > 0, 'some reads went in place');
    const want = new Uint32Array(data.buffer);
    assert.deepEqual([...dst.subarray(at, at + w * h)], [...want], `round ${round}: the image`);
    assert.equal(dst[at - 1], 0xdeadbeef, 'nothing written before it');
    assert.equal(dst[at + w * h], 0xdeadbeef, 'nothing written after it');
    assert.equal(f.directTarget(100), undefined, 'no reply streaming: no direct target');
  }
  // Rows with padding between them in the destination: no single run, no direct target.
  const f = new X11Framer({ partsOver: 64, streamTo: (_seq, size) => zpixmapSink(LSB32, 8, 8, new Uint32Array(200), 0, 9, size) });
  f.push(setupReply());
  f.push(imageReply(3, new Uint8Array(8 * 8 * 4)).subarray(0, 40));
  assert.equal(f.directTarget(100), undefined);
  assert.throws(() => new X11Framer().pushDirect(4), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.INCONSISTENT);
});

test('framer: with copySmall, messages are copies even of Buffer chunks, and holds() tells which chunk is still needed', () => {
  const f = new X11Framer({ copySmall: true });
  f.push(setupReply());
  const buf = Buffer.alloc(80);
  buf.set(eventMsg(22, 1), 0);
  buf.set(eventMsg(28, 2), 32);
  buf.set(eventMsg(29, 3).subarray(0, 16), 64); // half of a third event
  const msgs = f.push(buf);
  assert.equal(msgs.length, 2);
  const before = msgs.map((m) => hex(m.bytes));
  assert.equal(f.holds(buf.buffer), true, 'the half event is kept');
  buf.fill(0xff); // the caller reuses its buffer
  assert.deepEqual(msgs.map((m) => hex(m.bytes)), before, 'the messages did not change with it');
  const rest = f.push(eventMsg(29, 3).subarray(16));
  assert.equal(rest.length, 1);
  assert.equal(f.holds(buf.buffer), false);
});

test('framer: release() copies a small kept part out so the buffer can be read into again; a large reply in parts keeps its buffer', () => {
  const f = new X11Framer({ copySmall: true, partsOver: 4096 });
  f.push(setupReply());
  // One read buffer, reused for every read, as the connection's reader does.
  const buf = Buffer.alloc(256);
  const read = (bytes: Uint8Array): X11Message[] => {
    buf.set(bytes, 0);
    return f.push(new Uint8Array(buf.buffer, buf.byteOffset, bytes.length));
  };
  const small = imageReply(5, Uint8Array.from({ length: 40 }, (_, i) => i * 7));
  let got = read(new Uint8Array([...eventMsg(22, 4), ...small.subarray(0, 50)]));
  assert.equal(got.length, 1, 'the event; the reply is cut');
  assert.equal(f.holds(buf.buffer), true);
  assert.equal(f.release(buf.buffer, 10), false, 'more than max is kept: not released');
  assert.equal(f.release(buf.buffer, 4096), true);
  assert.equal(f.holds(buf.buffer), false, 'the kept start is a copy now');
  buf.fill(0xee); // the next read overwrites the buffer
  got = read(small.subarray(50));
  assert.equal(got.length, 1);
  assert.equal(hex(got[0]!.bytes), hex(small), 'the reply is whole and unchanged');

  // A large reply gathering its parts: its chunks stay views of the buffer they came in.
  const data = Uint8Array.from({ length: 8000 }, (_, i) => (i * 13) & 255);
  const big = imageReply(6, data);
  const own = Buffer.alloc(5000);
  own.set(big.subarray(0, 5000));
  assert.equal(f.push(new Uint8Array(own.buffer, own.byteOffset, 5000)).length, 0);
  assert.equal(f.release(own.buffer, 4096), false, 'the reply is over the copy limit: the buffer is kept');
  assert.equal(f.holds(own.buffer), true);
  const last = f.push(big.slice(5000)) as Extract<X11Message, { kind: 'reply' }>[];
  assert.equal(last.length, 1);
  assert.equal(hex(Buffer.concat(last[0]!.parts!)), hex(big));
  assert.equal(f.release(own.buffer, 4096), true, 'nothing is kept any more');
});

test('copyZPixmapParts and zpixmapSink write what copyZPixmap writes, at every split, into the frame or a packed buffer', () => {
  const r = lcg(21);
  for (const fmt of [LSB32, F565]) {
    for (let round = 0; round < 40; round++) {
      const w = 1 + Math.floor(r() * 40), h = 1 + Math.floor(r() * 12);
      const stride = zpixmapStride(fmt, w);
      const data = Uint8Array.from({ length: stride * h }, () => Math.floor(r() * 256));
      const reply = imageReply(1, data);
      const packed = round % 2 === 0;
      const dstStride = packed ? w : w + 1 + Math.floor(r() * 9);
      const at = Math.floor(r() * 5);
      const want = new Uint32Array(at + dstStride * h + 3).fill(0x5a5a5a5a);
      copyZPixmap(data, w, h, fmt, want, at, dstStride);
      const cuts = Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * reply.length)).sort((a, b) => a - b);
      const parts = cut(reply, cuts);
      assert.equal(parseGetImageParts(parts).dataBytes, data.length);
      const viaParts = new Uint32Array(want.length).fill(0x5a5a5a5a);
      copyZPixmapParts(parts, 32, w, h, fmt, viaParts, at, dstStride);
      assert.deepEqual([...viaParts], [...want], `parts ${fmt.bitsPerPixel} bpp round ${round}`);
      const viaSink = new Uint32Array(want.length).fill(0x5a5a5a5a);
      const sink = zpixmapSink(fmt, w, h, viaSink, at, dstStride, reply.length);
      if (fmt === F565) { assert.equal(sink, undefined, 'only the plain 32-bit layout streams'); continue; }
      let o = 0;
      for (const p of parts) { sink!(p, o); o += p.length; }
      assert.deepEqual([...viaSink], [...want], `sink round ${round}`);
    }
  }
  // Too short a reply, or a destination it does not fit: no sink (the whole reply then fails cleanly).
  assert.equal(zpixmapSink(LSB32, 4, 4, new Uint32Array(16), 0, 4, 32 + 60), undefined);
  assert.equal(zpixmapSink(LSB32, 4, 4, new Uint32Array(15), 0, 4, 32 + 64), undefined);
  assert.throws(() => copyZPixmapParts([new Uint8Array(40), new Uint8Array(40)], 32, 4, 4, LSB32, new Uint32Array(16), 0, 4),
    (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.INCONSISTENT);
  assert.throws(() => parseGetImageParts([imageReply(1, new Uint8Array(64)).subarray(0, 50)]), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.TRUNCATED);
});

test('XInput 2 requests byte by byte; GenericEvent heads', () => {
  assert.equal(hex(E.encodeXIQueryVersion(131, 2, 2)), '832f0200' + '02000200');
  // XISelectEvents: window, one mask (all master devices, one word: RawMotion = bit 17)
  assert.equal(hex(E.encodeXISelectEvents(131, 0x1d3, E.XI.AllMasterDevices, [E.XI.RawMotion])),
    '832e0500' + 'd3010000' + '0100' + '0000' + '0100' + '0100' + '00000200');
  assert.throws(() => E.encodeXISelectEvents(131, 1, 0, [40]), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.ENCODE);
  const reply = new Uint8Array(32);
  reply[0] = 1;
  new DataView(reply.buffer).setUint16(8, 2, true);
  new DataView(reply.buffer).setUint16(10, 3, true);
  assert.deepEqual(E.parseXIQueryVersion(reply), { major: 2, minor: 3 });
  const ev = new Uint8Array(32);
  ev[0] = 35; ev[1] = 131;
  new DataView(ev.buffer).setUint16(8, 17, true);
  assert.deepEqual(E.parseGenericEvent(ev), { extension: 131, evtype: 17 });
  assert.throws(() => E.parseGenericEvent(ev.subarray(0, 20)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.TRUNCATED);
});

/** A connection that answers XIQueryVersion with `xi` and QueryPointer with `where`, recording requests. */
function fakeConn(xi: [number, number] | null, where: { x: number; y: number }) {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  const conn = {
    isClosed: false,
    request(bytes: Uint8Array): Promise<Uint8Array> {
      const r = new Uint8Array(32);
      const v = new DataView(r.buffer);
      r[0] = 1;
      if (bytes[0] === 38) { // QueryPointer: answered when the test says so
        log.push('QueryPointer');
        return new Promise((resolve) => pending.push(() => { r[1] = 1; v.setInt16(16, where.x, true); v.setInt16(18, where.y, true); resolve(r); }));
      }
      log.push(`ext ${bytes[1]}`);
      if (!xi) return Promise.reject(new Error('BadRequest'));
      v.setUint16(8, xi[0], true); v.setUint16(10, xi[1], true);
      return Promise.resolve(r);
    },
    send(bytes: Uint8Array): number { log.push(`send ${bytes[1]}`); return 1; },
  };
  return { conn: conn as unknown as X11Connection, log, answer: () => { for (const f of pending.splice(0)) f(); } };
}

const rawMotion = (major: number) => { const b = new Uint8Array(32); b[0] = 35; b[1] = major; b[8] = 17; return b; };
const tick = () => new Promise((r) => setTimeout(r, 5));

test('PointerWatch: with XI 2.1+ it asks only on raw motion, once per burst, and polls while followed', async () => {
  const where = { x: 10, y: 20 };
  const f = fakeConn([2, 2], where);
  const reported: [number, number][] = [];
  const w = new PointerWatch(f.conn, 0x1d3, { minIntervalMs: 1, pollMs: undefined }, (x, y) => reported.push([x, y]), (e) => { throw e; }, () => {});
  await w.select(131);
  assert.deepEqual(f.log, ['ext 47', 'send 46'], 'version asked, raw motion selected');
  w.start();
  await tick();
  assert.equal(f.log.filter((l) => l === 'QueryPointer').length, 0, 'idle: nothing asked');
  assert.equal(w.onGenericEvent(rawMotion(99)), false, 'another extension\'s event is not ours');
  for (let i = 0; i < 5; i++) assert.equal(w.onGenericEvent(rawMotion(131)), true);
  assert.equal(f.log.filter((l) => l === 'QueryPointer').length, 1, 'one query for the burst');
  f.answer();
  await tick();
  // The motion that came while it was asked gets one more query.
  assert.equal(f.log.filter((l) => l === 'QueryPointer').length, 2);
  where.x = 11;
  f.answer();
  await tick();
  assert.deepEqual(reported, [[10, 20], [11, 20]]);
  // A viewer in server mouse mode: warps raise no events, so it polls.
  w.setFollowed(true);
  await new Promise((r) => setTimeout(r, 130));
  assert.ok(f.log.filter((l) => l === 'QueryPointer').length >= 3, 'polled');
  f.answer();
  w.setFollowed(false);
  await tick();
  const n = f.log.filter((l) => l === 'QueryPointer').length;
  f.answer();
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(f.log.filter((l) => l === 'QueryPointer').length, n, 'no more polling');
  w.stop();
});

test('PointerWatch: without XInput 2 (or below 2.1) it polls; an explicit interval polls whatever', async () => {
  for (const xi of [null, [2, 0]] as const) {
    const f = fakeConn(xi as [number, number] | null, { x: 1, y: 2 });
    const reported: [number, number][] = [];
    const w = new PointerWatch(f.conn, 1, { pollMs: 10 }, (x, y) => reported.push([x, y]), (e) => { throw e; }, () => {});
    await w.select(131);
    assert.ok(!f.log.includes('send 46'), 'no raw motion selected');
    w.start();
    await new Promise((r) => setTimeout(r, 40));
    f.answer();
    await tick();
    assert.deepEqual(reported, [[1, 2]]);
    w.stop();
  }
  const f = fakeConn([2, 2], { x: 3, y: 4 });
  const w = new PointerWatch(f.conn, 1, { pollMs: 10 }, () => {}, (e) => { throw e; }, () => {});
  await w.select(131);
  w.start();
  await new Promise((r) => setTimeout(r, 40));
  assert.ok(f.log.includes('QueryPointer'), 'an explicit interval polls even with raw motion');
  f.answer();
  w.stop();
});
