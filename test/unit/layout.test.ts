/**
 * Wire layouts checked against bytes built by hand (sizes from the protocol
 * headers), and the captured display messages of the eyeos test vectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { channels } from '../../src/protocol/schema/channels.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/messages.js';
import { BrushType, ClipType, ImageType, Ropd, CursorFlags, BitmapFlags, BitmapFmt } from '../../src/protocol/enums/index.js';
import {
  LINK_MESS_SIZE, LINK_REPLY_SIZE, decodeLinkMess, decodeLinkReply, encodeLinkMess, encodeLinkReply, decodeLinkHeader,
} from '../../src/protocol/link/messages.js';
import { b } from '../helpers/bytes.js';

const display = channels.display;

test('MAIN_INIT is 32 bytes of u32 fields', () => {
  const body = b().u32(7).u32(1).u32(3).u32(1).u32(0).u32(10).u32(12345).u32(50 << 20).build();
  assert.equal(body.length, 32);
  const m = decodeMessage(channels.main, 'server', 103, body);
  assert.deepEqual(m, { name: 'init', body: {
    session_id: 7, display_channels_hint: 1, supported_mouse_modes: 3, current_mouse_mode: 1,
    agent_connected: 0, agent_tokens: 10, multi_media_time: 12345, ram_hint: 50 << 20,
  } });
  assert.deepEqual(encodeMessage(channels.main, 'server', m).body, body);
});

test('DISPLAY_INIT is 14 bytes: u8 i64 u8 i32', () => {
  const body = b().u8(1).u64(20971520n).u8(0).i32(-1).build();
  assert.equal(body.length, 14);
  const m = encodeMessage(display, 'client', { name: 'init', body: {
    pixmap_cache_id: 1, pixmap_cache_size: 20971520n, glz_dictionary_id: 0, glz_dictionary_window_size: -1,
  } });
  assert.deepEqual(m.body, body);
});

test('DRAW_FILL with a solid brush and no mask is 41 bytes', () => {
  const body = b()
    .u32(0).rect(10, 20, 30, 40).u8(ClipType.NONE) // DisplayBase: 21
    .u8(BrushType.SOLID).u32(0x00ff8000) // brush: 5
    .u16(Ropd.OP_PUT) // rop: 2
    .u8(0).i32(0).i32(0).u32(0) // QMask: 13
    .build();
  assert.equal(body.length, 41);
  const m = decodeMessage(display, 'server', 302, body);
  assert.equal(m.name, 'draw_fill');
  const d = m.body as { base: { box: { top: number; right: number } }; data: { brush: { color: number }; mask: { bitmap: unknown } } };
  assert.equal(d.base.box.top, 10);
  assert.equal(d.base.box.right, 40);
  assert.equal(d.data.brush.color, 0x00ff8000);
  assert.equal(d.data.mask.bitmap, null);
  assert.deepEqual(encodeMessage(display, 'server', m).body, body);
});

test('DRAW_COPY: fixed part 57 bytes, image pointed to at 57, palette after the pixels', () => {
  const pixels = [1, 2, 3, 4, 5, 6, 7, 8];
  const fixed = b()
    .u32(0).rect(0, 0, 2, 4).u8(ClipType.NONE)
    .u32(57).rect(0, 0, 2, 4).u16(Ropd.OP_PUT).u8(1) // src_bitmap*, src_area, rop, scale
    .u8(0).i32(0).i32(0).u32(0); // mask
  assert.equal(fixed.length, 57);
  // Image: descriptor (18) + BitmapData: format flags x y stride palette* data
  const imageStart = 57;
  const paletteAt = imageStart + 18 + 1 + 1 + 4 + 4 + 4 + 4 + pixels.length;
  const body = fixed
    .u64(0x1122334455667788n).u8(ImageType.BITMAP).u8(0).u32(4).u32(2)
    .u8(BitmapFmt['8BIT']).u8(BitmapFlags.TOP_DOWN).u32(4).u32(2).u32(4).u32(paletteAt).bytes(pixels)
    .u64(99n).u16(2).u32(0x000000).u32(0xffffff)
    .build();
  const m = decodeMessage(display, 'server', 304, body);
  const img = (m.body as { data: { src_bitmap: { descriptor: { id: bigint; width: number }; bitmap: { data: Uint8Array; palette: { ents: number[]; unique: bigint } } } } }).data.src_bitmap;
  assert.equal(img.descriptor.id, 0x1122334455667788n);
  assert.equal(img.descriptor.width, 4);
  assert.deepEqual([...img.bitmap.data], pixels);
  assert.deepEqual(img.bitmap.palette.ents, [0, 0xffffff]);
  assert.equal(img.bitmap.palette.unique, 99n);
  assert.deepEqual(encodeMessage(display, 'server', m).body, body);
});

test('Cursor with the NONE flag has no header', () => {
  const body = b().u16(10).u16(20).u8(1).u16(CursorFlags.NONE).build();
  const m = decodeMessage(channels.cursor, 'server', 103, body);
  assert.deepEqual(m.body, { position: { x: 10, y: 20 }, visible: 1, cursor: { flags: CursorFlags.NONE, data: new Uint8Array(0) } });
  assert.deepEqual(encodeMessage(channels.cursor, 'server', m).body, body);
});

test('mouse messages: MOTION 10, POSITION 11, PRESS 3 bytes', () => {
  const inputs = channels.inputs;
  assert.equal(encodeMessage(inputs, 'client', { name: 'mouse_motion', body: { dx: -1, dy: 2, buttons_state: 1 } }).body.length, 10);
  assert.equal(encodeMessage(inputs, 'client', { name: 'mouse_position', body: { x: 1, y: 2, buttons_state: 0, display_id: 0 } }).body.length, 11);
  assert.equal(encodeMessage(inputs, 'client', { name: 'mouse_press', body: { button: 1, buttons_state: 1 } }).body.length, 3);
});

test('PING keeps its padding, PONG is 12 bytes', () => {
  const body = b().u32(1).u64(123456789n).zeros(100).build();
  const m = decodeMessage(channels.main, 'server', 4, body);
  assert.equal((m.body.data as Uint8Array).length, 100);
  assert.equal(encodeMessage(channels.main, 'client', { name: 'pong', body: { id: 1, timestamp: 123456789n } }).body.length, 12);
});

test('PORT_INIT name is a pointer to a NUL-terminated string', () => {
  const body = b().u32(4).u32(9).u8(1).str('abc').u8(0).build();
  const m = decodeMessage(channels.port, 'server', 201, body);
  assert.deepEqual(m.body, { name_size: 4, name: new Uint8Array([97, 98, 99, 0]), opened: 1 });
  assert.deepEqual(encodeMessage(channels.port, 'server', m).body, body);
});

test('link message: 16-byte header + 18-byte SpiceLinkMess + caps at offset 18', () => {
  const bytes = encodeLinkMess({ connectionId: 5, channelType: 2, channelId: 1, commonCaps: [0x0b], channelCaps: [0x1, 0x2] });
  const expect = b().str('REDQ').u32(2).u32(2).u32(18 + 12)
    .u32(5).u8(2).u8(1).u32(1).u32(2).u32(18).u32(0x0b).u32(1).u32(2).build();
  assert.deepEqual(bytes, expect);
  assert.equal(LINK_MESS_SIZE, 18);
  assert.deepEqual(decodeLinkMess(bytes.subarray(16)), { connectionId: 5, channelType: 2, channelId: 1, commonCaps: [0x0b], channelCaps: [1, 2] });
});

test('link reply: 178-byte SpiceLinkReply with caps at offset 178', () => {
  const key = new Uint8Array(162).fill(7);
  const bytes = encodeLinkReply({ error: 0, pubKey: key, commonCaps: [0x0b], channelCaps: [0xf] });
  const expect = b().str('REDQ').u32(2).u32(2).u32(178 + 8).u32(0).bytes(key).u32(1).u32(1).u32(178).u32(0x0b).u32(0xf).build();
  assert.deepEqual(bytes, expect);
  assert.equal(LINK_REPLY_SIZE, 178);
  const h = decodeLinkHeader(bytes);
  assert.equal(h.size, 186);
  assert.deepEqual(decodeLinkReply(bytes.subarray(16)), { error: 0, pubKey: key, commonCaps: [0x0b], channelCaps: [0xf] });
});

// ------------------------------------------------------------------ eyeos vectors

const vectors = process.env.SPICE_EYEOS_VECTORS ?? join(process.cwd(), '..', 'shared', 'vectors', 'eyeos-display');

test('eyeos display messages decode and re-encode to the same bytes', (t) => {
  if (!existsSync(vectors)) { t.skip(`no eyeos vectors at ${vectors} (set SPICE_EYEOS_VECTORS)`); return; }
  const files = readdirSync(vectors).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const v = JSON.parse(readFileSync(join(vectors, f), 'utf8')) as { object: string };
    const o = JSON.parse(v.object) as { header: { type: number; size: number }; body: { q: Record<string, number> } };
    const body = Uint8Array.from({ length: o.header.size }, (_, i) => o.body.q[String(i)] ?? 0);
    const m = decodeMessage(display, 'server', o.header.type, body);
    assert.ok(m.name.startsWith('draw_'), f);
    assert.deepEqual(encodeMessage(display, 'server', m).body, body, f);
  }
});
