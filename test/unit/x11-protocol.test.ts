/**
 * The x11 display source's own X11 client (src/server/sources/x11): request
 * encodings checked byte by byte against the protocol specification, setup
 * reply parsing, the reply/event/error framer at every split point, malformed
 * replies, pixel conversion, the set-1 -> evdev key map, DISPLAY strings and
 * Xauthority files, and the connection's sequence bookkeeping against a fake
 * X server on a UNIX socket (including 16-bit sequence wrap-around).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import * as P from '../../src/server/sources/x11/protocol.js';
import * as E from '../../src/server/sources/x11/extensions.js';
import { X11Framer, type X11Message } from '../../src/server/sources/x11/framer.js';
import { copyZPixmap, unpremultiply, zpixmapStride, type PixelFormat } from '../../src/server/sources/x11/pixels.js';
import { scancodeToEvdev, scancodeToXKeycode } from '../../src/server/sources/x11/keymap.js';
import { coalesceRects } from '../../src/server/sources/x11/rects.js';
import { Family, encodeXauthority, findCookie, parseDisplay, parseXauthority } from '../../src/server/sources/x11/auth.js';
import { X11Connection, X11RequestError } from '../../src/server/sources/x11/connection.js';
import { KEY_NAMES, scancodeBytes } from '../../src/client/input/scancodes.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function spiceError(code: string, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof SpiceError && e.code === code, `expected SpiceError ${code}`);
}

// ------------------------------------------------------------ requests

test('request encodings, byte by byte (little-endian, lengths in words, padding)', () => {
  // GetImage: opcode 73, format ZPixmap(2), length 5, drawable, x, y, width, height, plane-mask
  assert.equal(hex(P.encodeGetImage(0x0102_0304, -2, 3, 640, 480)), '49020500' + '04030201' + 'feff' + '0300' + '8002' + 'e001' + 'ffffffff');
  // QueryExtension "DAMAGE": length 2 + 2 words of name (6 bytes padded to 8)
  assert.equal(hex(P.encodeQueryExtension('DAMAGE')), '62000400' + '0600' + '0000' + hex(new TextEncoder().encode('DAMAGE')) + '0000');
  // InternAtom only-if-exists
  assert.equal(hex(P.encodeInternAtom('ATOM', true)), '10010300' + '0400' + '0000' + '41544f4d');
  assert.equal(hex(P.encodeGetInputFocus()), '2b000100');
  assert.equal(hex(P.encodeQueryPointer(0x50d)), '26000200' + '0d050000');
  // ChangeProperty Append, format 8, 5 bytes of data -> 6 + 2 words
  assert.equal(hex(P.encodeChangeProperty(2, 1, 2, 3, 8, Uint8Array.of(1, 2, 3, 4, 5))), '12020800' + '01000000' + '02000000' + '03000000' + '08000000' + '05000000' + '0102030405000000');
  // SendEvent carrying SelectionNotify (event code 31), 11 words
  const se = P.encodeSendSelectionNotify(7, 8, 9, 10, 11);
  assert.equal(se.length, 44);
  assert.equal(hex(se.subarray(0, 16)), '19000b00' + '07000000' + '00000000' + '1f000000');
  assert.equal(hex(se.subarray(16, 36)), '0b000000' + '07000000' + '08000000' + '09000000' + '0a000000');
  // CreateWindow InputOnly with an event mask
  const cw = P.encodeCreateInputOnlyWindow(0x200001, 0x50d, P.EventMask.PropertyChange);
  assert.equal(hex(cw.subarray(0, 4)), '01000900');
  assert.equal(hex(cw.subarray(20, 36)), '0000' + '0200' + '00000000' + '00080000' + '00004000');
  // Setup request: 'l', 11.0, MIT-MAGIC-COOKIE-1 (18 bytes -> 20), 16-byte cookie
  const cookie = Uint8Array.from({ length: 16 }, (_, i) => i);
  const sr = P.encodeSetupRequest('MIT-MAGIC-COOKIE-1', cookie);
  assert.equal(sr.length, 12 + 20 + 16);
  assert.equal(hex(sr.subarray(0, 12)), '6c00' + '0b00' + '0000' + '1200' + '1000' + '0000');
  assert.equal(hex(sr.subarray(32)), hex(cookie));
  assert.equal(hex(P.encodeSetupRequest()), '6c000b000000000000000000');
});

test('extension request encodings (DAMAGE, XFIXES, XTEST, RandR)', () => {
  assert.equal(hex(E.encodeQueryVersion(143, 1, 1)), '8f000300' + '01000000' + '01000000');
  assert.equal(hex(E.encodeDamageCreate(143, 0x200002, 0x50d, E.DamageLevel.NonEmpty)), '8f010400' + '02002000' + '0d050000' + '03000000');
  assert.equal(hex(E.encodeDamageSubtract(143, 5, 0, 6)), '8f030400' + '05000000' + '00000000' + '06000000');
  assert.equal(hex(E.encodeFetchRegion(138, 6)), '8a130200' + '06000000');
  assert.equal(hex(E.encodeCreateRegion(138, 6, [{ x: -1, y: 2, width: 3, height: 4 }])), '8a050400' + '06000000' + 'ffff' + '0200' + '0300' + '0400');
  assert.equal(hex(E.encodeSelectCursorInput(138, 0x50d, 1)), '8a030300' + '0d050000' + '01000000');
  assert.equal(hex(E.encodeGetCursorImage(138)), '8a040100');
  // XTEST FakeInput: 9 words; type, detail, time 0, root, 8 pad, x, y, 8 pad
  const fi = E.encodeFakeInput(132, E.FakeType.MotionNotify, 0, 0x50d, 300, -5);
  assert.equal(hex(fi), '84020900' + '0600' + '0000' + '00000000' + '0d050000' + '0000000000000000' + '2c01' + 'fbff' + '0000000000000000');
  assert.equal(hex(E.encodeFakeInput(132, E.FakeType.KeyPress, 38).subarray(4, 6)), '0226');
  assert.equal(hex(E.encodeRRSetScreenSize(140, 0x50d, 1024, 768, 260, 195)), '8c070500' + '0d050000' + '0004' + '0003' + '04010000' + 'c3000000');
  assert.equal(hex(E.encodeRRSetCrtcConfig(140, 1, 0, 2, 0, 0, 3, 1, [4])), '8c150800' + '01000000' + '00000000' + '02000000' + '0000' + '0000' + '03000000' + '0100' + '0000' + '04000000');
  const cm = E.encodeRRCreateMode(140, 0x50d, { width: 800, height: 600, dotClock: 0, hSyncStart: 0, hSyncEnd: 0, hTotal: 0, hSkew: 0, vSyncStart: 0, vSyncEnd: 0, vTotal: 0, flags: 0, name: '800x600' });
  assert.equal(cm.length, 48); // 4 + 4 + 32 + 7 (-> 8)
  assert.equal(hex(cm.subarray(0, 16)), '8c100c00' + '0d050000' + '00000000' + '2003' + '5802');
  assert.equal(hex(cm.subarray(34, 36)), '0700');
});

test('a request over 262140 bytes is refused (no BIG-REQUESTS)', () => {
  spiceError(ErrorCode.ENCODE, () => P.encodeChangeProperty(0, 1, 2, 3, 8, new Uint8Array(262140)));
  assert.equal(P.encodeChangeProperty(0, 1, 2, 3, 8, new Uint8Array(262140 - 24)).length, 262140);
});

// ------------------------------------------------------------ setup reply

/** A setup reply as Xvfb sends it (1 screen, formats 1/24/32, depth 24 TrueColor + depth 32). */
function setupReply(opts: { vendor?: string; screens?: number } = {}): Uint8Array {
  const vendor = new TextEncoder().encode(opts.vendor ?? 'The X.Org Foundation');
  const fmts = [[1, 1, 32], [24, 32, 32], [32, 32, 32]];
  const screen = () => {
    const depths = [[24, [[0x21, 4, 0xff0000, 0xff00, 0xff], [0x22, 5, 0xff0000, 0xff00, 0xff]]], [32, [[0x5c, 4, 0xff0000, 0xff00, 0xff]]]] as const;
    const parts: number[] = [];
    const u32 = (n: number) => parts.push(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
    const u16 = (n: number) => parts.push(n & 255, (n >>> 8) & 255);
    u32(0x50d); u32(0x20); u32(0xffffff); u32(0); u32(0); u16(1280); u16(800); u16(325); u16(203); u16(1); u16(1); u32(0x21);
    parts.push(1, 0, 24, depths.length);
    for (const [d, vis] of depths) {
      parts.push(d, 0); u16(vis.length); u32(0);
      for (const [id, cls, r, g, b] of vis) { u32(id); parts.push(cls, 8); u16(256); u32(r); u32(g); u32(b); u32(0); }
    }
    return parts;
  };
  const body: number[] = [];
  const u32 = (n: number) => body.push(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
  const u16 = (n: number) => body.push(n & 255, (n >>> 8) & 255);
  u32(12101007); u32(0x200000); u32(0x1fffff); u32(256); u16(vendor.length); u16(65535);
  body.push(opts.screens ?? 1, fmts.length, 0, 0, 32, 32, 8, 255, 0, 0, 0, 0);
  body.push(...vendor);
  while (body.length % 4) body.push(0);
  for (const [d, bpp, pad] of fmts) body.push(d!, bpp!, pad!, 0, 0, 0, 0, 0);
  for (let s = 0; s < (opts.screens ?? 1); s++) body.push(...screen());
  const head = [1, 0, 11, 0, 0, 0, (body.length / 4) & 255, (body.length / 4) >> 8];
  return Uint8Array.from([...head, ...body]);
}

test('setup reply: ids, limits, formats, root window, visuals', () => {
  const b = setupReply();
  assert.equal(P.setupReplyLength(b), b.length);
  const s = P.parseSetupReply(b);
  assert.equal(s.vendor, 'The X.Org Foundation');
  assert.equal(s.ridBase, 0x200000);
  assert.equal(s.ridMask, 0x1fffff);
  assert.equal(s.maxRequestLength, 65535);
  assert.equal(s.imageByteOrder, 0);
  assert.deepEqual([s.minKeycode, s.maxKeycode], [8, 255]);
  assert.deepEqual(s.formats.map((f) => [f.depth, f.bitsPerPixel, f.scanlinePad]), [[1, 1, 32], [24, 32, 32], [32, 32, 32]]);
  const scr = s.screens[0]!;
  assert.deepEqual([scr.root, scr.width, scr.height, scr.widthMm, scr.rootDepth, scr.rootVisual], [0x50d, 1280, 800, 325, 24, 0x21]);
  assert.deepEqual([...scr.depths.keys()], [24, 32]);
  const v = P.findVisual(scr, 0x21)!;
  assert.deepEqual([v.cls, v.redMask, v.greenMask, v.blueMask], [4, 0xff0000, 0xff00, 0xff]);
  assert.equal(P.findVisual(scr, 0x5c)?.cls, 4);
  assert.equal(P.findVisual(scr, 0x99), undefined);
  assert.equal(P.parseSetupReply(setupReply({ screens: 2 })).screens.length, 2);
});

test('setup reply: refusal carries the reason; every truncation is a clean TRUNCATED', () => {
  const reason = 'Authorization required, but no authorization protocol specified\n';
  const r = new Uint8Array(8 + ((reason.length + 3) & ~3));
  r.set([0, reason.length, 11, 0, 0, 0, (r.length - 8) / 4, 0]);
  r.set(new TextEncoder().encode(reason), 8);
  assert.throws(() => P.parseSetupReply(r), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.AUTH_FAILED && /Authorization required/.test(e.message));
  const full = setupReply();
  for (let n = 0; n < full.length; n++) {
    assert.throws(() => P.parseSetupReply(full.subarray(0, n)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.TRUNCATED, `cut at ${n}`);
  }
});

// ------------------------------------------------------------ framer

function reply(seq: number, extraWords: number, fill = 0xab): Uint8Array {
  const b = new Uint8Array(32 + 4 * extraWords).fill(fill);
  b[0] = 1; b[1] = 24; b[2] = seq & 255; b[3] = seq >> 8;
  new DataView(b.buffer).setUint32(4, extraWords, true);
  return b;
}
const error = (seq: number, code: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0 : i === 1 ? code : i === 2 ? seq & 255 : i === 3 ? seq >> 8 : i === 10 ? 73 : 0));
const event = (code: number, seq: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? code : i === 2 ? seq & 255 : i === 3 ? seq >> 8 : i));
function generic(seq: number, words: number): Uint8Array {
  const b = event(35, seq);
  const out = new Uint8Array(32 + 4 * words);
  out.set(b);
  new DataView(out.buffer).setUint32(4, words, true);
  return out;
}

function summary(ms: X11Message[]): string[] {
  return ms.map((m) => `${m.kind}:${m.kind === 'setup' ? '' : m.sequence}:${m.kind === 'event' ? m.code : ''}:${hex(m.bytes)}`);
}

test('framer: the same messages at every split point and byte by byte', () => {
  const msgs = [setupReply(), reply(1, 0), reply(2, 37), error(3, 8), event(22, 3), event(0x80 | 31, 4), generic(5, 3), reply(0xffff, 1)];
  const stream = Uint8Array.from(msgs.flatMap((m) => [...m]));
  const whole = new X11Framer().push(stream);
  assert.deepEqual(whole.map((m) => m.kind), ['setup', 'reply', 'reply', 'error', 'event', 'event', 'event', 'reply']);
  assert.deepEqual(whole.map((m) => m.bytes.length), msgs.map((m) => m.length));
  assert.equal((whole[5] as { code: number }).code, 31);
  assert.equal((whole[7] as { sequence: number }).sequence, 0xffff);
  const want = summary(whole);
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new X11Framer();
    const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
    assert.deepEqual(summary(got), want, `split at ${cut}`);
    assert.equal(f.pending, 0);
  }
  for (const step of [1, 3, 7, 31]) {
    const f = new X11Framer();
    const got: X11Message[] = [];
    for (let o = 0; o < stream.length; o += step) got.push(...f.push(stream.slice(o, o + step)));
    assert.deepEqual(summary(got), want, `step ${step}`);
  }
});

test('framer: a message over the limit is refused before it is buffered', () => {
  const f = new X11Framer({ maxMessageBytes: 1000 });
  f.push(setupReply());
  spiceError(ErrorCode.OVERSIZED, () => f.push(reply(1, 0).map((x, i) => (i === 7 ? 0x10 : x))));
  // A length of 2^32-1 words is refused too, whatever the limit says.
  const g = new X11Framer();
  g.push(setupReply());
  spiceError(ErrorCode.OVERSIZED, () => g.push(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : i >= 4 && i < 8 ? 255 : 0))));
});

// ------------------------------------------------------------ replies

test('reply parsers: GetImage, FetchRegion, GetCursorImage, GetProperty, RandR', () => {
  const img = reply(1, 4);
  img[1] = 24;
  new DataView(img.buffer).setUint32(8, 0x21, true);
  const r = P.parseGetImage(img);
  assert.deepEqual([r.depth, r.visual, r.data.length], [24, 0x21, 16]);

  const reg = reply(1, 4);
  const v = new DataView(reg.buffer);
  [[0, 0, 10, 20], [5, 6, 7, 8]].forEach(([x, y, w, h], i) => { v.setInt16(32 + 8 * i, x!, true); v.setInt16(34 + 8 * i, y!, true); v.setUint16(36 + 8 * i, w!, true); v.setUint16(38 + 8 * i, h!, true); });
  assert.deepEqual(E.parseFetchRegion(reg).rects, [{ x: 0, y: 0, width: 10, height: 20 }, { x: 5, y: 6, width: 7, height: 8 }]);

  const cur = reply(1, 4);
  const cv = new DataView(cur.buffer);
  cv.setUint16(12, 2, true); cv.setUint16(14, 2, true); cv.setUint16(16, 1, true); cv.setUint16(18, 1, true); cv.setUint32(20, 77, true);
  [0xff102030, 0x80402010, 0, 0x01010101].forEach((p, i) => cv.setUint32(32 + 4 * i, p, true));
  const c = E.parseGetCursorImage(cur);
  assert.deepEqual([c.width, c.height, c.xhot, c.yhot, c.serial], [2, 2, 1, 1, 77]);
  assert.deepEqual([...unpremultiply(c.argb)].map((x) => x.toString(16)), ['ff102030', '80804020', '0', '1ffffff']);

  const prop = reply(1, 2);
  prop[1] = 8;
  new DataView(prop.buffer).setUint32(8, 31, true);
  new DataView(prop.buffer).setUint32(16, 5, true);
  prop.set(new TextEncoder().encode('hello'), 32);
  const p = P.parseGetProperty(prop);
  assert.deepEqual([p.format, p.type, new TextDecoder().decode(p.value)], [8, 31, 'hello']);
});

test('malformed replies fail with a SpiceError, never out of bounds', () => {
  const short = reply(1, 0);
  new DataView(short.buffer).setUint32(4, 10, true); // claims 40 more bytes than it has
  spiceError(ErrorCode.TRUNCATED, () => P.parseGetImage(short));
  spiceError(ErrorCode.TRUNCATED, () => E.parseFetchRegion(short));
  spiceError(ErrorCode.TRUNCATED, () => E.parseRRGetScreenResources(short));
  spiceError(ErrorCode.TRUNCATED, () => P.parseQueryPointer(new Uint8Array(31)));
  const odd = reply(1, 3);
  spiceError(ErrorCode.INCONSISTENT, () => E.parseFetchRegion(odd));
  const cur = reply(1, 3);
  new DataView(cur.buffer).setUint16(12, 2, true);
  new DataView(cur.buffer).setUint16(14, 2, true); // 4 pixels, 3 words
  spiceError(ErrorCode.INCONSISTENT, () => E.parseGetCursorImage(cur));
  new DataView(cur.buffer).setUint16(12, 4096, true);
  new DataView(cur.buffer).setUint16(14, 4096, true);
  spiceError(ErrorCode.LIMIT, () => E.parseGetCursorImage(cur, 1 << 20));
  const prop = reply(1, 1);
  prop[1] = 7;
  spiceError(ErrorCode.INCONSISTENT, () => P.parseGetProperty(prop));
  prop[1] = 32;
  new DataView(prop.buffer).setUint32(16, 2, true); // 8 bytes in 4
  spiceError(ErrorCode.TRUNCATED, () => P.parseGetProperty(prop));
  const res = reply(1, 2);
  new DataView(res.buffer).setUint16(20, 1, true); // one 32-byte mode in 8 bytes
  spiceError(ErrorCode.TRUNCATED, () => E.parseRRGetScreenResources(res));
});

// ------------------------------------------------------------ pixels

test('ZPixmap to 0x00RRGGBB: LSB and MSB 32-bit, 16-bit 565, padding, bounds', () => {
  const lsb: PixelFormat = { bitsPerPixel: 32, msbFirst: false, redMask: 0xff0000, greenMask: 0xff00, blueMask: 0xff, scanlinePad: 32 };
  const dst = new Uint32Array(4 * 3);
  copyZPixmap(Uint8Array.of(0x33, 0x22, 0x11, 0, 0x66, 0x55, 0x44, 0), 2, 1, lsb, dst, 4 + 1, 4);
  assert.deepEqual([...dst.subarray(4, 8)].map((x) => x.toString(16)), ['0', '112233', '445566', '0']);
  dst.fill(0);
  copyZPixmap(Uint8Array.of(0, 0x11, 0x22, 0x33), 1, 1, { ...lsb, msbFirst: true }, dst, 0, 4);
  assert.equal(dst[0]!.toString(16), '112233');
  // 565, 3 pixels per row: 6 bytes padded to 8
  const f16: PixelFormat = { bitsPerPixel: 16, msbFirst: false, redMask: 0xf800, greenMask: 0x07e0, blueMask: 0x001f, scanlinePad: 32 };
  assert.equal(zpixmapStride(f16, 3), 8);
  const d16 = new Uint32Array(6);
  const src = new Uint8Array(16);
  const sv = new DataView(src.buffer);
  sv.setUint16(0, 0xf800, true); sv.setUint16(2, 0x07e0, true); sv.setUint16(4, 0x001f, true);
  sv.setUint16(8, 0xffff, true); sv.setUint16(10, 0x0000, true); sv.setUint16(12, 0x8410, true);
  copyZPixmap(src, 3, 2, f16, d16, 0, 3);
  assert.deepEqual([...d16].map((x) => x.toString(16)), ['ff0000', 'ff00', 'ff', 'ffffff', '0', '848284']);
  spiceError(ErrorCode.INCONSISTENT, () => copyZPixmap(new Uint8Array(7), 2, 1, lsb, dst, 0, 4));
  spiceError(ErrorCode.INCONSISTENT, () => copyZPixmap(new Uint8Array(8), 2, 1, lsb, dst, 11, 4));
  spiceError(ErrorCode.INCONSISTENT, () => copyZPixmap(new Uint8Array(80), 5, 1, lsb, dst, 0, 4));
});

// ------------------------------------------------------------ damage rectangles

test('coalesceRects: covers every input pixel, merges neighbours, keeps far pieces apart, bounds the count', () => {
  let seed = 5;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const W = 400, H = 300;
  const covered = (rs: { x: number; y: number; width: number; height: number }[]) => {
    const m = new Uint8Array(W * H);
    for (const r of rs) for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) m[y * W + x] = 1;
    return m;
  };
  for (let round = 0; round < 20; round++) {
    const input = Array.from({ length: 1 + rnd(300) }, () => ({ x: rnd(W - 10), y: rnd(H - 10), width: rnd(10), height: rnd(10) }));
    const out = coalesceRects(input, { slack: 64 * (1 + rnd(64)), maxRects: 1 + rnd(100) });
    const a = covered(input), b = covered(out);
    for (let i = 0; i < a.length; i++) if (a[i] && !b[i]) assert.fail(`round ${round}: pixel ${i % W},${Math.floor(i / W)} lost`);
    assert.ok(out.length <= Math.max(1, input.filter((r) => r.width && r.height).length));
    for (const r of out) assert.ok(r.width > 0 && r.height > 0 && r.x >= 0 && r.y >= 0 && r.x + r.width <= W && r.y + r.height <= H);
  }
  // Neighbours merge, far-apart pieces stay apart, the limit is met, empty ones vanish.
  assert.deepEqual(coalesceRects([{ x: 0, y: 0, width: 8, height: 8 }, { x: 8, y: 0, width: 8, height: 8 }, { x: 0, y: 8, width: 16, height: 1 }]), [{ x: 0, y: 0, width: 16, height: 9 }]);
  assert.equal(coalesceRects([{ x: 0, y: 0, width: 8, height: 8 }, { x: 1000, y: 1000, width: 8, height: 8 }]).length, 2);
  const many = Array.from({ length: 1000 }, (_, i) => ({ x: (i * 97) % 1200, y: (i * 31) % 700, width: 4, height: 4 }));
  assert.ok(coalesceRects(many, { maxRects: 50 }).length <= 50);
  assert.ok(coalesceRects(many, { maxRects: 5000, slack: 0 }).length > 500);
  assert.deepEqual(coalesceRects([{ x: 3, y: 3, width: 0, height: 9 }]), []);
});

// ------------------------------------------------------------ keys

test('set-1 -> evdev: hand-checked keys, every named key maps, distinct keys stay distinct', () => {
  const cases: [number, number][] = [
    [0x01, 1], [0x1e, 30], [0x1d, 29], [0x2a, 42], [0x39, 57], [0x53, 83], [0x56, 86], [0x57, 87], [0x58, 88],
    [0xe01d, 97], [0xe038, 100], [0xe048, 103], [0xe050, 108], [0xe04b, 105], [0xe04d, 106], [0xe01c, 96], [0xe035, 98],
    [0xe047, 102], [0xe04f, 107], [0xe049, 104], [0xe051, 109], [0xe052, 110], [0xe053, 111], [0xe05b, 125], [0xe05c, 126],
    [0xe05d, 127], [0xe037, 99], [0xe11d, 119], [0x7d, 124], [0x73, 89],
  ];
  for (const [sc, ev] of cases) assert.equal(scancodeToEvdev(sc), ev, `scancode 0x${sc.toString(16)}`);
  assert.equal(scancodeToXKeycode(0x1e), 38); // 'a' on every evdev X server
  assert.equal(scancodeToEvdev(0), undefined);
  assert.equal(scancodeToEvdev(0xe0aa), undefined);
  const seen = new Map<number, string>();
  const aliases = new Set(['PrintScreen|SysRq', 'SysRq|PrintScreen', 'Break|Pause', 'Pause|Break']);
  for (const key of KEY_NAMES) {
    const b = scancodeBytes(key, true);
    const sc = key === 'Pause' ? 0xe11d : b.length === 2 ? (b[0]! << 8) | b[1]! : b[0]!;
    const kc = scancodeToXKeycode(sc);
    assert.ok(kc !== undefined && kc >= 8 && kc <= 255, `${key} (0x${sc.toString(16)}) has no X keycode`);
    const other = seen.get(kc);
    assert.ok(other === undefined || aliases.has(`${other}|${key}`), `${key} and ${other} both map to ${kc}`);
    seen.set(kc, key);
  }
});

// ------------------------------------------------------------ display, Xauthority

test('DISPLAY strings', () => {
  assert.deepEqual(parseDisplay(':1'), { socketPath: '/tmp/.X11-unix/X1', display: 1, screen: 0 });
  assert.deepEqual(parseDisplay('unix:12.1'), { socketPath: '/tmp/.X11-unix/X12', display: 12, screen: 1 });
  assert.deepEqual(parseDisplay('10.0.0.5:2'), { host: '10.0.0.5', port: 6002, display: 2, screen: 0 });
  assert.deepEqual(parseDisplay('[::1]:3.0'), { host: '::1', port: 6003, display: 3, screen: 0 });
  assert.equal(parseDisplay('/tmp/.X11-unix/X7').display, 7);
  for (const bad of ['', '1', ':', ':x', 'host:1:2', ':99999']) spiceError(ErrorCode.BAD_ARGUMENT, () => parseDisplay(bad));
});

test('Xauthority: parse, round trip, the cookie Xlib would pick, truncated files', () => {
  const enc = new TextEncoder();
  const c1 = Uint8Array.from({ length: 16 }, (_, i) => i);
  const c2 = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
  const c3 = Uint8Array.from({ length: 16 }, (_, i) => 200 + i);
  const entries = [
    { family: Family.Local, address: enc.encode('otherhost'), number: '5', name: 'MIT-MAGIC-COOKIE-1', data: c3 },
    { family: Family.Local, address: enc.encode('myhost'), number: '5', name: 'XDM-AUTHORIZATION-1', data: c3 },
    { family: Family.Local, address: enc.encode('myhost'), number: '5', name: 'MIT-MAGIC-COOKIE-1', data: c1 },
    { family: Family.Internet, address: Uint8Array.of(10, 0, 0, 5), number: '2', name: 'MIT-MAGIC-COOKIE-1', data: c2 },
    { family: Family.Wild, address: new Uint8Array(0), number: '9', name: 'MIT-MAGIC-COOKIE-1', data: c3 },
  ];
  const file = encodeXauthority(entries);
  const back = parseXauthority(file);
  assert.deepEqual(back.map((e) => [e.family, e.number, e.name, hex(e.data)]), entries.map((e) => [e.family, e.number, e.name, hex(e.data)]));
  assert.deepEqual(findCookie(back, parseDisplay(':5'), 'myhost'), c1);
  assert.equal(findCookie(back, parseDisplay(':6'), 'myhost'), undefined);
  assert.deepEqual(findCookie(back, parseDisplay('10.0.0.5:2'), 'myhost'), c2);
  assert.deepEqual(findCookie(back, parseDisplay(':9'), 'anyhost'), c3);
  for (let n = 1; n < file.length; n++) {
    // A cut inside an entry is an error; a cut between entries is a shorter file.
    try {
      const got = parseXauthority(file.subarray(0, n));
      assert.ok(got.length < entries.length);
    } catch (e) {
      assert.ok(e instanceof SpiceError && e.code === ErrorCode.TRUNCATED, `cut at ${n}: ${String(e)}`);
    }
  }
});

// ------------------------------------------------------------ connection against a fake server

/**
 * A fake X server: answers the setup, counts requests (by their length
 * field), replies to GetInputFocus (43) and answers opcode 200 with a BadValue
 * error; `onRequest` sees each request with its sequence number.
 */
async function fakeServer(onRequest?: (op: number, seq: number, sock: Socket) => void): Promise<{ path: string; close(): void; sockets: Socket[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'x11-fake-'));
  const path = join(dir, 'X0');
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    let buf = Buffer.alloc(0);
    let setup = false;
    let seq = 0;
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!setup) {
        if (buf.length < 12) return;
        const n = buf.readUInt16LE(6), m = buf.readUInt16LE(8);
        const len = 12 + ((n + 3) & ~3) + ((m + 3) & ~3);
        if (buf.length < len) return;
        buf = buf.subarray(len);
        setup = true;
        sock.write(setupReply());
      }
      while (buf.length >= 4) {
        const len = buf.readUInt16LE(2) * 4;
        if (buf.length < len) break;
        const op = buf[0]!;
        buf = buf.subarray(len);
        seq++;
        if (op === 43) sock.write(reply(seq & 0xffff, 0));
        else if (op === 200) sock.write(error(seq & 0xffff, 2));
        onRequest?.(op, seq, sock);
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(path, r));
  return { path, sockets, close: () => { for (const s of sockets) s.destroy(); server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('connection: replies and errors reach their requests, also across the 16-bit sequence wrap', async () => {
  const srv = await fakeServer();
  try {
    const c = await X11Connection.connect(srv.path, { cookie: new Uint8Array(16) });
    assert.equal(c.screen.root, 0x50d);
    const asyncErrors: number[] = [];
    c.onError = (e) => asyncErrors.push(e.x.code);
    const handled: number[] = [];
    c.send(P.encodeRequest(200, 0, 0), (e) => handled.push(e.code)); // error to its handler
    c.send(P.encodeRequest(200, 0, 0)); // error with no handler -> onError
    await c.sync();
    assert.deepEqual(handled, [2]);
    assert.deepEqual(asyncErrors, [2]);
    await assert.rejects(c.request(P.encodeRequest(200, 0, 0), 'Op200'), (e: unknown) => e instanceof X11RequestError && e.x.code === 2 && /Op200: X error BadValue/.test(e.message));
    // 70000 requests without replies, then one with: its 16-bit sequence has wrapped.
    for (let i = 0; i < 70_000; i++) c.send(P.encodeRequest(127, 0, 0));
    await c.sync();
    const late: number[] = [];
    c.send(P.encodeRequest(200, 0, 0), (e) => late.push(e.code));
    await c.sync();
    assert.deepEqual(late, [2]);
    assert.equal(c.allocId(), 0x200001);
    assert.equal(c.allocId(), 0x200002);
    c.close();
    await assert.rejects(c.sync(), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CLOSED);
  } finally {
    srv.close();
  }
});

test('connection: the server going away fails pending requests with CLOSED and calls onClose', async () => {
  const srv = await fakeServer((op, _seq, sock) => { if (op === 99) sock.destroy(); });
  try {
    const c = await X11Connection.connect(srv.path);
    const closed = new Promise<SpiceError | undefined>((r) => { c.onClose = r; });
    const pending = c.request(P.encodeRequest(99, 0, 0), 'Op99');
    await assert.rejects(pending, (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CLOSED);
    assert.equal((await closed)?.code, ErrorCode.CLOSED);
    assert.ok(c.isClosed);
  } finally {
    srv.close();
  }
});

test('connection: a reply that matches no request, or garbage, closes with a SpiceError', async () => {
  const srv = await fakeServer((op, seq, sock) => { if (op === 98) sock.write(reply((seq + 5) & 0xffff, 0)); });
  try {
    const c = await X11Connection.connect(srv.path);
    const closed = new Promise<SpiceError | undefined>((r) => { c.onClose = r; });
    c.send(P.encodeRequest(98, 0, 0));
    const err = await closed;
    assert.equal(err?.code, ErrorCode.INCONSISTENT);
    assert.match(err!.message, /matches no request/);
  } finally {
    srv.close();
  }
});

test('connection: refused setup and nothing listening are clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'x11-none-'));
  try {
    await assert.rejects(X11Connection.connect(join(dir, 'X0')), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CONNECT);
    const path = join(dir, 'X1');
    const server = createServer((sock) => {
      sock.once('data', () => {
        const reason = 'No protocol specified\n';
        const r = Buffer.alloc(8 + 24);
        r.set([0, reason.length, 11, 0, 0, 0, 6, 0]);
        r.write(reason, 8, 'latin1');
        sock.end(r);
      });
    });
    await new Promise<void>((r) => server.listen(path, r));
    await assert.rejects(X11Connection.connect(path), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.AUTH_FAILED && /No protocol specified/.test(e.message));
    server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
