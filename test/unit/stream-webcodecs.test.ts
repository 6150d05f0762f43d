/**
 * The WebCodecs stream decoder (src/viewer/video-decoder.ts) against stand-ins for the
 * browser's VideoDecoder, EncodedVideoChunk, VideoFrame and OffscreenCanvas: absent in Node;
 * codecs probed with isConfigSupported; configured at the first key frame with the codec
 * string its SPS names, chunks typed key/delta; pictures read back as BGRA (the canvas's
 * words) or through a canvas (RGBA swapped); hidden and dropped frames; decoder errors,
 * timeouts, closing during a decode and the size limit give coded errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoCodecType } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { webCodecsStreamDecoders } from '../../src/viewer/video-decoder.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const VP8_KEY = hex('3031009d012ae00168013901');
const VP8_DELTA = hex('d10900e5');
const VP8_HIDDEN = hex('c10900e5');
const H264_IDR = hex('00000001 0910 00000001 67f4001e90d89a0782ff89c05a83 00000001 68ce3192 00000165 888207d1');
const coded = (code: string) => (e: unknown) => e instanceof SpiceError && e.code === code;

interface Chunk { type: string; timestamp: number; data: Uint8Array }

/** What the stand-in decoder does with each chunk. */
type Mode = 'output' | 'silent' | 'drop-first';

class FakeDecoder {
  static supported = new Set(['vp8', 'avc1.F4001F']);
  static made: FakeDecoder[] = [];
  static mode: Mode = 'output';
  static size = { w: 4, h: 2 };
  static framesClosed = 0;
  static copyOptions: Record<string, unknown>[] = [];
  static isConfigSupported(c: { codec: string }) {
    return Promise.resolve({ supported: FakeDecoder.supported.has(c.codec) });
  }
  state: 'unconfigured' | 'configured' | 'closed' = 'unconfigured';
  configs: Record<string, unknown>[] = [];
  chunks: Chunk[] = [];
  constructor(readonly init: { output: (f: unknown) => void; error: (e: Error) => void }) {
    FakeDecoder.made.push(this);
  }
  configure(c: Record<string, unknown>) {
    this.configs.push(c);
    this.state = 'configured';
  }
  decode(chunk: Chunk) {
    if (this.state !== 'configured') throw new Error('InvalidStateError');
    this.chunks.push(chunk);
    const mode = FakeDecoder.mode;
    if (mode === 'silent' || (mode === 'drop-first' && this.chunks.length === 1)) return;
    setTimeout(() => this.init.output(fakeFrame(chunk.timestamp, chunk.data[0]!)), 1);
  }
  close() {
    this.state = 'closed';
  }
}

function fakeFrame(timestamp: number, seed: number) {
  const { w, h } = FakeDecoder.size;
  return {
    timestamp, displayWidth: w, displayHeight: h, visibleRect: { x: 0, y: 0, width: w, height: h }, seed,
    copyTo(dest: Uint8Array, options: Record<string, unknown>) {
      FakeDecoder.copyOptions.push(options);
      // B, G, R, A per pixel.
      for (let i = 0; i < w * h; i++) dest.set([seed, i, 0x80, 0xff], i * 4);
      return Promise.resolve([]);
    },
    close() { FakeDecoder.framesClosed++; },
  };
}

class FakeCanvas {
  drawn?: { seed: number };
  constructor(public width: number, public height: number) {}
  getContext() {
    return {
      drawImage: (f: { seed: number }) => { this.drawn = f; },
      getImageData: (_x: number, _y: number, w: number, h: number) => {
        const data = new Uint8ClampedArray(w * h * 4);
        for (let i = 0; i < w * h; i++) data.set([0x80, i, this.drawn!.seed, 0xff], i * 4); // R, G, B, A
        return { data };
      },
    };
  }
}

/** Runs `body` with the stand-ins installed as browser globals. */
async function withWebCodecs(body: () => Promise<void>): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const saved = { VideoDecoder: g.VideoDecoder, EncodedVideoChunk: g.EncodedVideoChunk, OffscreenCanvas: g.OffscreenCanvas };
  g.VideoDecoder = FakeDecoder;
  g.EncodedVideoChunk = class { constructor(init: Chunk) { Object.assign(this, init); } };
  g.OffscreenCanvas = FakeCanvas;
  FakeDecoder.made = [];
  FakeDecoder.mode = 'output';
  FakeDecoder.size = { w: 4, h: 2 };
  FakeDecoder.framesClosed = 0;
  FakeDecoder.copyOptions = [];
  try {
    await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete g[k];
      else g[k] = v;
    }
  }
}

const info = { width: 4, height: 2, mmTime: 0 };
const vp8 = { id: 1, codec: VideoCodecType.VP8, width: 4, height: 2 };

test('no VideoDecoder (Node, an insecure page): no WebCodecs stream decoders', () => {
  assert.equal(webCodecsStreamDecoders(), undefined);
});

test('codecs are probed with isConfigSupported, in the order asked; unknown names are refused', () => withWebCodecs(async () => {
  assert.deepEqual(await webCodecsStreamDecoders()!.codecs(), [VideoCodecType.VP8, VideoCodecType.H264]);
  assert.deepEqual(await webCodecsStreamDecoders({ codecs: ['h264', 'vp9', 'vp8'] })!.codecs(), [VideoCodecType.H264, VideoCodecType.VP8]);
  await assert.rejects(Promise.resolve(webCodecsStreamDecoders({ codecs: ['mjpeg'] })!.codecs()), coded(ErrorCode.BAD_ARGUMENT));
}));

test('VP8: configured at the key frame, chunks typed, pictures read back as BGRA words; hidden frames resolve at once', () => withWebCodecs(async () => {
  const d = webCodecsStreamDecoders()!.create(vp8);
  assert.throws(() => d.decode(VP8_DELTA, info), coded(ErrorCode.CORRUPT_IMAGE), 'a stream must start with a key frame');
  const img = await d.decode(VP8_KEY, info);
  const dec = FakeDecoder.made[0]!;
  assert.equal(dec.configs.length, 1);
  assert.equal(dec.configs[0]!.codec, 'vp8');
  assert.equal(dec.configs[0]!.optimizeForLatency, true);
  assert.ok(img);
  assert.deepEqual([img.width, img.height, img.format], [4, 2, 'xrgb']);
  // Bytes B=0x30 (the chunk's first byte), G=i, R=0x80, A=0xff: words 0xff80ii30.
  assert.deepEqual([...img.pixels], [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (0xff800030 | (i << 8)) >>> 0));
  assert.equal(FakeDecoder.copyOptions[0]!.format, 'BGRA');
  assert.equal(FakeDecoder.framesClosed, 1, 'the VideoFrame is closed');
  assert.equal(d.decode(VP8_HIDDEN, info), undefined, 'a hidden frame gives nothing and nobody waits for it');
  const next = await d.decode(VP8_DELTA, info);
  assert.equal(next!.pixels[0], 0xff8000d1);
  assert.deepEqual(dec.chunks.map((c) => `${c.type}@${c.timestamp}`), ['key@0', 'delta@1', 'delta@2']);
  d.close?.();
  assert.equal(dec.state, 'closed');
}));

test('H.264: configured with the profile and level of the stream\'s SPS', () => withWebCodecs(async () => {
  const d = webCodecsStreamDecoders()!.create({ ...vp8, codec: VideoCodecType.H264 });
  await d.decode(H264_IDR, info);
  assert.equal(FakeDecoder.made[0]!.configs[0]!.codec, 'avc1.f4001e');
  assert.equal(FakeDecoder.made[0]!.chunks[0]!.type, 'key');
}));

test('a frame the decoder drops resolves as nothing; the next one still comes', () => withWebCodecs(async () => {
  FakeDecoder.mode = 'drop-first';
  const d = webCodecsStreamDecoders()!.create(vp8);
  const first = d.decode(VP8_KEY, info);
  const second = d.decode(VP8_DELTA, info);
  assert.equal(await first, undefined);
  assert.equal((await second)!.pixels[0], 0xff8000d1);
}));

test('a decoder error rejects what is pending with ERR_CORRUPT_IMAGE, and every later decode', () => withWebCodecs(async () => {
  FakeDecoder.mode = 'silent';
  const d = webCodecsStreamDecoders()!.create(vp8);
  const p = d.decode(VP8_KEY, info);
  FakeDecoder.made[0]!.init.error(new Error('EncodingError: decoding failed'));
  await assert.rejects(Promise.resolve(p), (e: unknown) => coded(ErrorCode.CORRUPT_IMAGE)(e) && /VP8.*decoding failed/.test((e as Error).message));
  assert.throws(() => d.decode(VP8_DELTA, info), coded(ErrorCode.CORRUPT_IMAGE));
  assert.equal(FakeDecoder.made[0]!.state, 'closed');
}));

test('a frame that never comes out times out (ERR_TIMEOUT); closing during a decode rejects with ERR_CLOSED', () => withWebCodecs(async () => {
  FakeDecoder.mode = 'silent';
  const slow = webCodecsStreamDecoders({ frameTimeoutMs: 20 })!.create(vp8);
  await assert.rejects(Promise.resolve(slow.decode(VP8_KEY, info)), coded(ErrorCode.TIMEOUT));
  const d = webCodecsStreamDecoders()!.create(vp8);
  const p = d.decode(VP8_KEY, info);
  d.close?.();
  await assert.rejects(Promise.resolve(p), coded(ErrorCode.CLOSED));
  assert.throws(() => d.decode(VP8_DELTA, info), coded(ErrorCode.CLOSED));
  assert.equal(FakeDecoder.made[1]!.state, 'closed');
}));

test('the picture size limit; the canvas readback swaps RGBA into 0xAARRGGBB', () => withWebCodecs(async () => {
  FakeDecoder.size = { w: 40, h: 30 };
  const small = webCodecsStreamDecoders({ maxPixels: 1000 })!.create(vp8);
  await assert.rejects(Promise.resolve(small.decode(VP8_KEY, info)), coded(ErrorCode.LIMIT));
  FakeDecoder.size = { w: 4, h: 2 };
  const viaCanvas = webCodecsStreamDecoders({ readback: 'canvas' })!.create(vp8);
  const img = await viaCanvas.decode(VP8_KEY, info);
  assert.deepEqual([...img!.pixels], [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (0xff800030 | (i << 8)) >>> 0), 'same words as the BGRA copy');
}));
