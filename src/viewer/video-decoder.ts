/**
 * SPICE video streams (VP8, VP9, H.264, H.265) through the browser's WebCodecs VideoDecoder,
 * behind the client's StreamDecoderFactory: each decoded VideoFrame is read back into a
 * 0xAARRGGBB buffer (VideoFrame.copyTo as BGRA: the bytes already are the canvas's words,
 * no per-pixel work) that the display channel draws into the surface like an MJPEG frame.
 * Measured in Chromium 156 (photo-like frames, decode + readback): VP8 0.4 ms at 480x360 and
 * 1.9 ms at 1280x720, H.264 0.3 / 1.5 ms, VP9 0.5 / 2.0 ms; reading back through an
 * OffscreenCanvas (drawImage + getImageData + swap) instead costs 1.4-1.9 / 6-8 ms.
 *
 * The decoder is configured at the stream's first key frame (H.264/H.265: with the profile
 * and level its SPS names), told which chunks are key frames, and asked for low latency. Each
 * decode resolves when its frame comes out (or at once for a hidden frame); a decoder error,
 * a frame that does not come out in time, or a picture of the wrong size rejects with a
 * SpiceError, which ends that stream only (the server then sends its pictures as images).
 *
 * WebCodecs exists only in secure contexts (https, or http on localhost): elsewhere
 * webCodecsStreamDecoders() returns undefined and streams stay MJPEG.
 * Structural types only, so the file compiles without the DOM library's WebCodecs types.
 */
import { VideoCodecType } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodedImage } from '../codecs/types.js';
import type { StreamDecoder, StreamDecoderFactory, StreamFrameInfo, StreamSpec } from '../client/channels/stream-decoder.js';
import { videoCodecByName, videoCodecName } from '../client/channels/stream-decoder.js';
import { frameFacts, PROBE_CODEC_STRINGS } from './video-bitstream.js';

interface VideoFrameLike {
  readonly timestamp: number;
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly visibleRect?: { x: number; y: number; width: number; height: number } | null;
  copyTo(dest: Uint8Array, options?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}
interface VideoDecoderLike {
  readonly state: 'unconfigured' | 'configured' | 'closed';
  configure(config: Record<string, unknown>): void;
  decode(chunk: unknown): void;
  close(): void;
}
interface VideoDecoderCtor {
  new (init: { output: (frame: VideoFrameLike) => void; error: (e: Error) => void }): VideoDecoderLike;
  isConfigSupported(config: Record<string, unknown>): Promise<{ supported?: boolean }>;
}
interface Context2DLike {
  drawImage(image: unknown, dx: number, dy: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): { data: Uint8ClampedArray };
}
interface OffscreenCanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d', options?: Record<string, unknown>): Context2DLike | null;
}
interface WebCodecsGlobals {
  VideoDecoder?: VideoDecoderCtor;
  EncodedVideoChunk?: new (init: { type: 'key' | 'delta'; timestamp: number; data: Uint8Array }) => unknown;
  OffscreenCanvas?: new (width: number, height: number) => OffscreenCanvasLike;
}

export interface WebCodecsStreamOptions {
  /** Codecs to offer when the browser has them, best first. Default ['vp8', 'h264', 'vp9', 'h265']. */
  codecs?: string[];
  /** How long one frame may take to come out of the decoder, ms. Default 5000. */
  frameTimeoutMs?: number;
  /** Largest picture (width*height) read back. Default 64 Mi pixels. */
  maxPixels?: number;
  /**
   * How a decoded frame becomes pixels: 'copy' (VideoFrame.copyTo to BGRA, default) or
   * 'canvas' (drawn on an OffscreenCanvas and read with getImageData: for browsers whose
   * copyTo cannot convert to RGB).
   */
  readback?: 'copy' | 'canvas';
  /** Passed to VideoDecoder.configure. Default 'no-preference'. */
  hardwareAcceleration?: 'no-preference' | 'prefer-hardware' | 'prefer-software';
}

const DEFAULT_CODECS = ['vp8', 'h264', 'vp9', 'h265'];

/**
 * Stream decoders over WebCodecs, or undefined where the browser has no VideoDecoder (Node,
 * an insecure context, old browsers). Its codecs() asks the browser which codecs it decodes.
 */
export function webCodecsStreamDecoders(options: WebCodecsStreamOptions = {}): StreamDecoderFactory | undefined {
  const g = globalThis as unknown as WebCodecsGlobals;
  const VD = g.VideoDecoder, Chunk = g.EncodedVideoChunk;
  if (typeof VD !== 'function' || typeof Chunk !== 'function') return undefined;
  let probed: Promise<number[]> | undefined;
  const probe = () => probed ??= (async () => {
    const wanted = (options.codecs ?? DEFAULT_CODECS).map((n) => {
      const c = videoCodecByName(n);
      if (c === undefined || PROBE_CODEC_STRINGS[c] === undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `WebCodecs: no video codec '${n}'`);
      return c;
    });
    const answers = await Promise.all(wanted.map(async (c) => {
      try {
        const r = await VD.isConfigSupported({
          codec: PROBE_CODEC_STRINGS[c], optimizeForLatency: true, hardwareAcceleration: options.hardwareAcceleration ?? 'no-preference',
        });
        return r.supported === true;
      } catch {
        return false;
      }
    }));
    return wanted.filter((_, i) => answers[i]);
  })();
  return {
    codecs: probe,
    create: (spec) => new WebCodecsStreamDecoder(VD, Chunk, g.OffscreenCanvas, spec, options),
  };
}

interface Pending {
  timestamp: number;
  info: StreamFrameInfo;
  resolve: (img: DecodedImage | undefined) => void;
  reject: (e: SpiceError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** One stream's VideoDecoder. */
class WebCodecsStreamDecoder implements StreamDecoder {
  private readonly decoder: VideoDecoderLike;
  private readonly name: string;
  private readonly pending: Pending[] = [];
  private configured = false;
  private failure?: SpiceError;
  private closed = false;
  private seq = 0;
  private pixels = new Uint32Array(0);
  private canvas?: OffscreenCanvasLike;
  private ctx?: Context2DLike;
  /** Frame readbacks run one at a time, in output order. */
  private readbacks: Promise<void> = Promise.resolve();

  constructor(
    VD: VideoDecoderCtor,
    private readonly Chunk: NonNullable<WebCodecsGlobals['EncodedVideoChunk']>,
    private readonly Canvas: WebCodecsGlobals['OffscreenCanvas'],
    private readonly spec: StreamSpec,
    private readonly o: WebCodecsStreamOptions,
  ) {
    this.name = videoCodecName(spec.codec).toUpperCase();
    if (PROBE_CODEC_STRINGS[spec.codec] === undefined) throw new SpiceError(ErrorCode.UNSUPPORTED, `WebCodecs: no decoder for ${this.name}`);
    this.decoder = new VD({
      output: (frame) => this.output(frame),
      // NotSupportedError: configure() found the stream's profile unsupported (reported later, here).
      error: (e) => this.fail(new SpiceError(e?.name === 'NotSupportedError' ? ErrorCode.UNSUPPORTED : ErrorCode.CORRUPT_IMAGE,
        `${this.name}: the browser's decoder failed (${e?.message ?? e})`, { cause: e })),
    });
  }

  decode(data: Uint8Array, info: StreamFrameInfo): Promise<DecodedImage | undefined> | undefined {
    if (this.failure) throw this.failure;
    if (this.closed) throw new SpiceError(ErrorCode.CLOSED, `${this.name}: the stream's decoder is closed`);
    const facts = frameFacts(this.spec.codec, data);
    if (!this.configured) {
      if (!facts.key) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `${this.name}: the stream does not start with a key frame`);
      try {
        this.decoder.configure({
          codec: facts.codec ?? PROBE_CODEC_STRINGS[this.spec.codec], optimizeForLatency: true,
          hardwareAcceleration: this.o.hardwareAcceleration ?? 'no-preference',
        });
      } catch (e) {
        throw new SpiceError(ErrorCode.UNSUPPORTED, `${this.name}: the browser refused the decoder (${(e as Error)?.message ?? e})`, { cause: e });
      }
      this.configured = true;
    }
    const timestamp = this.seq++;
    try {
      this.decoder.decode(new this.Chunk({ type: facts.key ? 'key' : 'delta', timestamp, data }));
    } catch (e) {
      throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `${this.name}: the browser's decoder refused a frame (${(e as Error)?.message ?? e})`, { cause: e });
    }
    if (!facts.shown) return undefined;
    return new Promise<DecodedImage | undefined>((resolve, reject) => {
      const ms = this.o.frameTimeoutMs ?? 5000;
      const timer = setTimeout(() => this.fail(new SpiceError(ErrorCode.TIMEOUT, `${this.name}: no picture from the browser's decoder within ${ms} ms`)), ms);
      this.pending.push({ timestamp, info, resolve, reject, timer });
    });
  }

  private output(frame: VideoFrameLike): void {
    // Frames come out in decode order; one that never comes (dropped) resolves as "nothing".
    let p: Pending | undefined;
    while (this.pending.length > 0 && this.pending[0]!.timestamp <= frame.timestamp) {
      const q = this.pending.shift()!;
      clearTimeout(q.timer);
      if (q.timestamp === frame.timestamp) p = q;
      else q.resolve(undefined);
    }
    if (!p || this.failure || this.closed) {
      frame.close();
      return;
    }
    const mine = p;
    const read = async () => {
      try {
        return await this.readback(frame);
      } finally {
        frame.close();
      }
    };
    this.readbacks = this.readbacks.then(read).then(
      (img) => mine.resolve(img),
      (e) => {
        const err = e instanceof SpiceError ? e : new SpiceError(ErrorCode.CORRUPT_IMAGE, `${this.name}: reading the picture back failed (${(e as Error)?.message ?? e})`, { cause: e });
        mine.reject(err);
        this.fail(err);
      },
    );
  }

  private async readback(frame: VideoFrameLike): Promise<DecodedImage> {
    const width = frame.visibleRect?.width ?? frame.displayWidth, height = frame.visibleRect?.height ?? frame.displayHeight;
    const max = this.o.maxPixels ?? DEFAULT_MAX_PIXELS;
    if (!(width > 0 && height > 0) || width * height > max) {
      throw new SpiceError(ErrorCode.LIMIT, `${this.name}: a ${width}x${height} picture (limit ${max} pixels)`);
    }
    if (this.pixels.length < width * height) this.pixels = new Uint32Array(width * height);
    const pixels = this.pixels.subarray(0, width * height);
    if ((this.o.readback ?? 'copy') === 'copy') {
      // BGRA bytes are 0xAARRGGBB words on little-endian hosts: the canvas's own layout.
      await frame.copyTo(new Uint8Array(pixels.buffer, 0, width * height * 4), {
        format: 'BGRA', colorSpace: 'srgb', layout: [{ offset: 0, stride: width * 4 }],
      });
      return { width, height, pixels, format: 'xrgb' };
    }
    if (!this.Canvas) throw new SpiceError(ErrorCode.UNSUPPORTED, `${this.name}: no OffscreenCanvas to read pictures back`);
    if (!this.canvas || !this.ctx || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new this.Canvas(width, height);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: true }) ?? undefined;
      if (!this.ctx) throw new SpiceError(ErrorCode.UNSUPPORTED, `${this.name}: no 2D context on OffscreenCanvas`);
    }
    this.ctx.drawImage(frame, 0, 0);
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const src = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
    for (let i = 0; i < pixels.length; i++) {
      const v = src[i]!;
      pixels[i] = (0xff000000 | ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff)) >>> 0;
    }
    return { width, height, pixels, format: 'xrgb' };
  }

  private fail(e: SpiceError): void {
    this.failure ??= e;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(this.failure);
    }
    this.shut();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new SpiceError(ErrorCode.CLOSED, `${this.name}: the stream ended during a decode`));
    }
    this.shut();
  }

  private shut(): void {
    try {
      if (this.decoder.state !== 'closed') this.decoder.close();
    } catch { /* closing twice */ }
  }
}

/** The VideoCodecType values a WebCodecs factory may offer. */
export const WEBCODECS_CODECS: readonly number[] = [VideoCodecType.VP8, VideoCodecType.H264, VideoCodecType.VP9, VideoCodecType.H265];
