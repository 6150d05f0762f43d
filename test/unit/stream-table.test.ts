/**
 * The display channel's video stream table with stand-in decoders and canvas: frames drawn
 * with the stream's destination, clip and orientation (sized frames with their own); hidden
 * frames; a codec not offered, limits, a throwing or rejecting decoder and a picture of the
 * wrong size each end that stream only (reported, the server told, later frames dropped);
 * the channel closing during a decode draws nothing and releases the decoders; counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoCodecType } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import type { DecodedImage } from '../../src/codecs/types.js';
import { StreamTable, type StreamCreateBody, type StreamEvent, type StreamTableOptions } from '../../src/client/channels/streams.js';
import type { StreamDecoder, StreamDecoderFactory, StreamFrameInfo, StreamSpec } from '../../src/client/channels/stream-decoder.js';
import { combineStreamDecoders, mjpegStreamDecoders, videoCodecByName, videoCodecName } from '../../src/client/channels/stream-decoder.js';

const rect = (left: number, top: number, right: number, bottom: number) => ({ left, top, right, bottom });

function create(id: number, o: Partial<StreamCreateBody> = {}): StreamCreateBody {
  return {
    surface_id: 0, id, flags: 1, codec_type: VideoCodecType.VP8, stream_width: 4, stream_height: 2, src_width: 4, src_height: 2,
    dest: rect(10, 20, 14, 22), clip: { type: 0 }, ...o,
  };
}

const picture = (w: number, h: number, v = 0xff112233): DecodedImage => ({ width: w, height: h, pixels: new Uint32Array(w * h).fill(v), format: 'xrgb' });

interface Drawn { surfaceId: number; w: number; h: number; dest: unknown; clip: unknown; topDown: boolean; first: number }

/** A table with a recording canvas and a factory whose decoders `behave` decides. */
function setup(behave: (data: Uint8Array, info: StreamFrameInfo, spec: StreamSpec) => ReturnType<StreamDecoder['decode']>, o: Partial<StreamTableOptions> = {}) {
  const drawn: Drawn[] = [], events: StreamEvent[] = [], refused: number[] = [], closed: number[] = [];
  const factory: StreamDecoderFactory = {
    codecs: () => [VideoCodecType.VP8, VideoCodecType.MJPEG],
    create: (spec) => ({ decode: (d, info) => behave(d, info, spec), close: () => { closed.push(spec.id); } }),
  };
  const table = new StreamTable({
    canvas: {
      drawStreamFrame: (surfaceId, frame, w, h, dest, clip, topDown) => { drawn.push({ surfaceId, w, h, dest, clip, topDown, first: frame.pixels[0]! }); },
    },
    factory, codecs: [VideoCodecType.VP8, VideoCodecType.MJPEG],
    report: (e) => events.push(e), refuse: (id) => refused.push(id), ...o,
  });
  return { table, drawn, events, refused, closed };
}

const kinds = (events: StreamEvent[]) => events.map((e) => `${e.kind} ${e.id}${e.kind === 'stream-error' ? ` ${e.error.code}` : ''}`);

test('frames are drawn at the stream destination with its clip and orientation; sized frames with their own size and destination', async () => {
  const x = setup((d, info) => picture(info.width, info.height, d[0]!));
  x.table.create(create(7, { flags: 0 }));
  x.table.clip(7, { type: 1, rects: { num_rects: 1, rects: [rect(10, 20, 12, 22)] } });
  assert.equal(x.table.frame(7, Uint8Array.of(5), 100), undefined, 'a synchronous decoder draws at once');
  x.table.frame(7, Uint8Array.of(6), 140, { width: 2, height: 1, dest: rect(0, 0, 8, 4) });
  assert.deepEqual(x.drawn, [
    { surfaceId: 0, w: 4, h: 2, dest: rect(10, 20, 14, 22), clip: { type: 1, rects: { num_rects: 1, rects: [rect(10, 20, 12, 22)] } }, topDown: false, first: 5 },
    { surfaceId: 0, w: 2, h: 1, dest: rect(0, 0, 8, 4), clip: { type: 1, rects: { num_rects: 1, rects: [rect(10, 20, 12, 22)] } }, topDown: false, first: 6 },
  ]);
  const s = x.table.stats().vp8!;
  assert.deepEqual([s.streams, s.frames, s.drawn, s.errors], [1, 2, 2, 0]);
  assert.deepEqual(kinds(x.events), ['stream-created 7']);
  x.table.destroy(7);
  assert.deepEqual(kinds(x.events), ['stream-created 7', 'stream-destroyed 7']);
  assert.deepEqual(x.closed, [7], 'the decoder is released');
  assert.throws(() => x.table.frame(7, Uint8Array.of(1), 0), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.INCONSISTENT,
    'a frame for a stream that does not exist is a protocol error');
});

test('an asynchronous decode resolves into a draw; a hidden frame counts but draws nothing', async () => {
  let release!: (img: DecodedImage | undefined) => void;
  const x = setup(() => new Promise((r) => { release = r; }));
  x.table.create(create(1));
  const p = x.table.frame(1, Uint8Array.of(0), 0);
  assert.ok(p instanceof Promise, 'the channel gets a promise to wait for');
  assert.equal(x.drawn.length, 0);
  release(picture(4, 2, 9));
  await p;
  assert.equal(x.drawn.length, 1);
  const q = x.table.frame(1, Uint8Array.of(0), 0);
  release(undefined);
  await q;
  assert.equal(x.drawn.length, 1, 'nothing drawn for a hidden frame');
  assert.deepEqual([x.table.stats().vp8!.frames, x.table.stats().vp8!.drawn], [2, 1]);
});

test('a codec that was not offered, a picture over the limit, too many streams: that stream fails, the server is told, its frames are dropped', () => {
  const x = setup(() => picture(4, 2), { maxStreams: 2, maxPixels: 100 });
  x.table.create(create(1, { codec_type: VideoCodecType.H264 }));
  x.table.create(create(2, { src_width: 20, src_height: 10, stream_width: 20, stream_height: 10 }));
  x.table.create(create(3));
  x.table.create(create(4));
  x.table.create(create(5));
  assert.deepEqual(kinds(x.events), [
    'stream-created 1', 'stream-error 1 ERR_UNSUPPORTED',
    'stream-created 2', 'stream-error 2 ERR_LIMIT',
    'stream-created 3', 'stream-created 4',
    'stream-created 5', 'stream-error 5 ERR_LIMIT',
  ]);
  assert.deepEqual(x.refused, [1, 2, 5]);
  const err = x.events.find((e) => e.kind === 'stream-error')!;
  assert.ok(err.kind === 'stream-error' && err.error.channel === 'display' && /h264/.test(err.error.message), 'the error names the codec and channel');
  // Frames and clips still in flight for failed streams are dropped, not errors.
  assert.equal(x.table.frame(1, Uint8Array.of(0), 0), undefined);
  x.table.clip(1, { type: 0 });
  assert.equal(x.table.stats().h264!.dropped, 1);
  assert.equal(x.drawn.length, 0);
  // STREAM_DESTROY forgets the failed stream: a later frame for it is a protocol error again.
  x.table.destroy(1);
  assert.throws(() => x.table.frame(1, Uint8Array.of(0), 0), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.INCONSISTENT);
  // A sized frame over the limit fails its stream too.
  x.table.frame(3, Uint8Array.of(0), 0, { width: 50, height: 50, dest: rect(0, 0, 50, 50) });
  assert.deepEqual(kinds(x.events).slice(-1), ['stream-error 3 ERR_LIMIT']);
  assert.deepEqual([...x.table.active().keys()], [4]);
});

test('failed streams a server never destroys are forgotten beyond a bound (4 x maxStreams)', () => {
  const x = setup(() => picture(4, 2), { maxStreams: 2 });
  for (let id = 100; id < 110; id++) x.table.create(create(id, { codec_type: VideoCodecType.H265 }));
  assert.equal(x.table.frame(109, Uint8Array.of(0), 0), undefined, 'a recent failed stream: its frames are dropped');
  assert.throws(() => x.table.frame(100, Uint8Array.of(0), 0), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.INCONSISTENT, 'the oldest is forgotten');
});

test('a decoder that throws, rejects, or gives a picture of the wrong size ends its stream only; other streams go on', async () => {
  const x = setup((d, info, spec) => {
    if (spec.id === 1) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, 'bad VP8');
    if (spec.id === 2) return Promise.reject(new Error('decoder crashed'));
    if (spec.id === 3) return picture(2, 2);
    return picture(info.width, info.height);
  });
  for (const id of [1, 2, 3, 4]) x.table.create(create(id));
  x.table.frame(1, Uint8Array.of(0), 0);
  await x.table.frame(2, Uint8Array.of(0), 0);
  x.table.frame(3, Uint8Array.of(0), 0);
  x.table.frame(4, Uint8Array.of(0), 0);
  assert.deepEqual(kinds(x.events).filter((k) => k.startsWith('stream-error')), [
    'stream-error 1 ERR_CORRUPT_IMAGE', 'stream-error 2 ERR_CORRUPT_IMAGE', 'stream-error 3 ERR_CORRUPT_IMAGE',
  ]);
  assert.deepEqual(x.refused, [1, 2, 3]);
  assert.deepEqual(x.closed, [1, 2, 3], 'failed decoders are released');
  assert.equal(x.drawn.length, 1, 'stream 4 drew');
  assert.deepEqual([...x.table.active().keys()], [4]);
  assert.equal(x.table.stats().vp8!.errors, 3);
});

test('the channel closing during a decode: nothing is drawn, every decoder is released', async () => {
  let release!: (img: DecodedImage) => void;
  const x = setup(() => new Promise((r) => { release = r; }));
  x.table.create(create(1));
  x.table.create(create(2));
  const p = x.table.frame(1, Uint8Array.of(0), 0);
  x.table.close();
  assert.deepEqual(x.closed.sort(), [1, 2]);
  release(picture(4, 2));
  await p;
  assert.equal(x.drawn.length, 0);
  assert.equal(x.events.filter((e) => e.kind === 'stream-error').length, 0, 'closing is not a stream error');
});

test('destroying streams: by id, all, with their surface; a reused id starts afresh', () => {
  const x = setup(() => picture(4, 2));
  x.table.create(create(1, { surface_id: 0 }));
  x.table.create(create(2, { surface_id: 3 }));
  x.table.create(create(3, { surface_id: 3 }));
  x.table.destroySurface(3);
  assert.deepEqual([...x.table.active().keys()], [1]);
  assert.throws(() => x.table.create(create(1)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.INCONSISTENT, 'an id in use');
  x.table.destroyAll();
  assert.equal(x.table.active().size, 0);
  x.table.create(create(1));
  x.table.frame(1, Uint8Array.of(0), 0);
  assert.equal(x.drawn.length, 1);
});

test('stream decoder factories: MJPEG by default, combined factories, codec names', async () => {
  const mj = mjpegStreamDecoders();
  assert.deepEqual(await mj.codecs(), [VideoCodecType.MJPEG]);
  const other: StreamDecoderFactory = { codecs: async () => [VideoCodecType.VP8, VideoCodecType.MJPEG], create: () => ({ decode: () => undefined }) };
  const broken: StreamDecoderFactory = { codecs: () => { throw new Error('probe failed'); }, create: () => { throw new Error('no'); } };
  const both = combineStreamDecoders(broken, other, mj);
  assert.deepEqual(await both.codecs(), [VideoCodecType.VP8, VideoCodecType.MJPEG], 'a failing factory offers nothing; the first factory listing a codec owns it');
  assert.equal(both.create({ id: 1, codec: VideoCodecType.MJPEG, width: 1, height: 1 }).decode(new Uint8Array(0), { width: 1, height: 1, mmTime: 0 }), undefined,
    'MJPEG goes to the first factory that listed it');
  assert.throws(() => both.create({ id: 1, codec: VideoCodecType.H265, width: 1, height: 1 }), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.UNSUPPORTED);
  assert.deepEqual([videoCodecName(VideoCodecType.H264), videoCodecByName('VP9'), videoCodecByName('theora')], ['h264', VideoCodecType.VP9, undefined]);
});
