/**
 * Video streams through a whole client session, against an in-memory server:
 * - the display link announces STREAM_REPORT, MULTI_CODEC and one CODEC_* cap per codec the
 *   decoders have (MJPEG always), and the preference list (PREFERRED_VIDEO_CODEC_TYPE) only
 *   when the caller gives one and the server takes it;
 * - an asynchronous decoder keeps the display's draw order: a fill sent after a frame lands
 *   on top of it, a frame sent after a fill on top of the fill;
 * - a decoder error ends the stream only: a 'stream' error event, a STREAM_REPORT with no
 *   frames and UINT32_MAX drops to the server, the display channel stays up and draws on;
 * - Node's default (MJPEG only): a VP8 stream is refused the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelType, DisplayCap, SurfaceFmt, VideoCodecType, Ropd } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { SpiceSession, type SessionOptions, type SessionEvents } from '../../src/client/session.js';
import type { DecodedImage } from '../../src/codecs/types.js';
import type { StreamDecoderFactory } from '../../src/client/channels/stream-decoder.js';
import { DisplayClient } from '../../src/client/channels/display.js';
import { until } from '../helpers/pair.js';
import { capNumbers, fakeDisplaySession, type ServerEnd } from '../helpers/fake-server.js';

/** A main and a display channel in memory; the display advertises `displayCaps`; `caps` as numbers. */
async function session(displayCaps: number[], opts: Partial<SessionOptions>): Promise<{ s: SpiceSession; main: ServerEnd; display: ServerEnd }> {
  const { session: s, main, display } = await fakeDisplaySession({
    channelCaps: (type) => (type === ChannelType.DISPLAY ? displayCaps : []), session: opts,
  });
  display.caps = capNumbers(display.caps);
  return { s, main, display };
}

const W = 8, H = 4;
const box = (left: number, top: number, right: number, bottom: number) => ({ left, top, right, bottom });
const surface = { name: 'surface_create', body: { surface_id: 0, width: W, height: H, format: SurfaceFmt['32_xRGB'], flags: 1 } };
const streamCreate = (id: number, codec: number) => ({
  name: 'stream_create',
  body: {
    surface_id: 0, id, flags: 1, codec_type: codec, stamp: 0n, stream_width: 2, stream_height: 2, src_width: 2, src_height: 2,
    dest: box(0, 0, 4, 4), clip: { type: 0 },
  },
});
const frame = (id: number, byte: number) => ({ name: 'stream_data', body: { base: { id, multi_media_time: 0 }, data_size: 1, data: Uint8Array.of(byte) } });
const fill = (b: ReturnType<typeof box>, color: number) => ({
  name: 'draw_fill',
  body: { base: { surface_id: 0, box: b, clip: { type: 0 } }, data: { brush: { type: 1, color }, rop_descriptor: Ropd.OP_PUT, mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null } } },
});

/** A VP8 stand-in: each frame is a 2x2 picture of colour 0xff0000 + its byte, ready after `delayMs`; byte 0xee fails. */
function slowVp8(delayMs: number): StreamDecoderFactory & { closed: number } {
  const f = {
    closed: 0,
    codecs: () => [VideoCodecType.VP8, VideoCodecType.H264],
    create: () => ({
      decode: (d: Uint8Array) => new Promise<DecodedImage>((resolve, reject) => setTimeout(() => {
        if (d[0] === 0xee) reject(new SpiceError(ErrorCode.CORRUPT_IMAGE, 'stand-in: bad frame'));
        else resolve({ width: 2, height: 2, pixels: new Uint32Array(4).fill(0xffff0000 + d[0]!), format: 'xrgb' });
      }, delayMs)),
      close: () => { f.closed++; },
    }),
  };
  return f;
}

const pixel = (s: SpiceSession, x: number, y: number) => (s.primary()?.pixels[y * W + x] ?? -1) & 0xffffff;

test('the display link announces the codecs the decoders have, STREAM_REPORT, and the preference only when asked', async () => {
  const plain = await session([DisplayCap.PREF_VIDEO_CODEC_TYPE, DisplayCap.STREAM_REPORT], { streamDecoders: slowVp8(0) });
  try {
    const caps = plain.display.caps;
    for (const c of [DisplayCap.STREAM_REPORT, DisplayCap.MULTI_CODEC, DisplayCap.CODEC_MJPEG, DisplayCap.CODEC_VP8, DisplayCap.CODEC_H264, DisplayCap.SIZED_STREAM]) {
      assert.ok(caps.includes(c), `cap ${c} announced (${caps.join(',')})`);
    }
    assert.ok(!caps.includes(DisplayCap.CODEC_VP9) && !caps.includes(DisplayCap.CODEC_H265), 'no codec the decoders lack');
    assert.ok(!plain.display.got.some((m) => m.name === 'preferred_video_codec_type'), 'no preference unless asked');
  } finally {
    plain.s.close();
  }

  const asked = await session([DisplayCap.PREF_VIDEO_CODEC_TYPE], { streamDecoders: slowVp8(0), videoCodecs: ['h264', 'vp9', 'mjpeg'] });
  try {
    await until(() => asked.display.got.some((m) => m.name === 'preferred_video_codec_type'));
    const pref = asked.display.got.find((m) => m.name === 'preferred_video_codec_type')!.body as { num_of_codecs: number; codecs: number[] };
    assert.deepEqual(pref.codecs, [VideoCodecType.H264, VideoCodecType.MJPEG], 'the caller\'s order, without what the decoders lack');
    const caps = asked.display.caps;
    assert.ok(caps.includes(DisplayCap.CODEC_H264) && caps.includes(DisplayCap.CODEC_MJPEG) && !caps.includes(DisplayCap.CODEC_VP8),
      `only the codecs asked for are announced (${caps.join(',')})`);
  } finally {
    asked.s.close();
  }

  const old = await session([], { streamDecoders: slowVp8(0), videoCodecs: ['vp8'] });
  try {
    await old.s.displays.get(0)!.idle();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!old.display.got.some((m) => m.name === 'preferred_video_codec_type'), 'not sent to a server without PREF_VIDEO_CODEC_TYPE');
  } finally {
    old.s.close();
  }

  await assert.rejects(DisplayClient.createShared({ videoCodecs: ['theora'] }), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT);
});

test('an asynchronous stream decoder keeps the draw order; a decoder error ends the stream only and is reported to the server', async () => {
  const vp8 = slowVp8(15);
  const { s, display } = await session([DisplayCap.STREAM_REPORT], { streamDecoders: vp8 });
  try {
    const events: string[] = [];
    s.on('stream', (e: SessionEvents['stream']) => events.push(`${e.kind} ${e.id} ${e.codec}${e.kind === 'error' ? ` ${e.error.code}` : ''}`));
    const ch = display.channel;
    ch.send(surface as never);
    ch.send(streamCreate(1, VideoCodecType.VP8) as never);
    ch.send(frame(1, 0x11) as never); // the frame (slow) fills 0..4 x 0..4 ...
    ch.send(fill(box(2, 0, 8, 4), 0x0000ff) as never); // ... then a fill covers its right half
    ch.send(fill(box(6, 0, 8, 4), 0x00ff00) as never);
    await until(() => pixel(s, 7, 0) === 0x00ff00);
    assert.deepEqual([pixel(s, 1, 1), pixel(s, 3, 3), pixel(s, 5, 0), pixel(s, 7, 0)], [0xff0011, 0x0000ff, 0x0000ff, 0x00ff00],
      'the fills sent after the frame are on top of it');
    ch.send(fill(box(0, 0, 8, 4), 0xffff00) as never);
    ch.send(frame(1, 0x22) as never); // a later frame over that fill
    await until(() => s.displays.get(0)!.streamStats().vp8?.drawn === 2);
    await s.displays.get(0)!.idle();
    assert.deepEqual([pixel(s, 0, 0), pixel(s, 3, 3), pixel(s, 4, 0)], [0xff0022, 0xff0022, 0xffff00]);

    // A bad frame: the stream fails, the server hears of it, later frames are dropped, drawing goes on.
    ch.send(frame(1, 0xee) as never);
    ch.send(frame(1, 0x33) as never);
    ch.send(fill(box(0, 0, 1, 1), 0x123456) as never);
    await until(() => pixel(s, 0, 0) === 0x123456);
    assert.deepEqual(events, ['created 1 vp8', 'error 1 vp8 ERR_CORRUPT_IMAGE']);
    await until(() => display.got.some((m) => m.name === 'stream_report'));
    const report = display.got.find((m) => m.name === 'stream_report')!.body as { stream_id: number; num_frames: number; num_drops: number };
    assert.deepEqual([report.stream_id, report.num_frames, report.num_drops], [1, 0, 0xffffffff]);
    assert.equal(vp8.closed, 1, 'the failed decoder was released');
    assert.equal(pixel(s, 1, 1), 0xff0022, 'the dropped frame drew nothing');
    const st = s.displays.get(0)!.streamStats().vp8!;
    assert.deepEqual([st.streams, st.drawn, st.errors, st.dropped], [1, 2, 1, 1]);
    ch.send({ name: 'stream_destroy', body: { id: 1 } } as never);
    ch.send(streamCreate(1, VideoCodecType.VP8) as never);
    ch.send(frame(1, 0x44) as never);
    await until(() => pixel(s, 0, 0) === 0xff0044);
    assert.equal(s.displays.size, 1, 'the display channel stayed up');
    assert.ok(events.includes('destroyed 1 vp8') && events.at(-1) === 'created 1 vp8', events.join('; '));
  } finally {
    s.close();
  }
  assert.equal(vp8.closed, 2, 'closing the session releases the live decoder');
});

test('Node default (MJPEG only): a VP8 stream is refused and reported; the display goes on', async () => {
  const { s, display } = await session([DisplayCap.STREAM_REPORT], {});
  try {
    assert.ok(display.caps.includes(DisplayCap.CODEC_MJPEG) && !display.caps.includes(DisplayCap.CODEC_VP8));
    const errors: SpiceError[] = [];
    s.on('stream', (e) => { if (e.kind === 'error') errors.push(e.error); });
    const ch = display.channel;
    ch.send(surface as never);
    ch.send(streamCreate(4, VideoCodecType.VP8) as never);
    ch.send(frame(4, 1) as never);
    ch.send(fill(box(0, 0, 8, 4), 0xabcdef) as never);
    await until(() => pixel(s, 5, 2) === 0xabcdef);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, ErrorCode.UNSUPPORTED);
    assert.equal(errors[0]!.channel, 'display');
    await until(() => display.got.some((m) => m.name === 'stream_report'));
    assert.equal(s.displays.size, 1);
  } finally {
    s.close();
  }
});
