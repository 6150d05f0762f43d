/**
 * The video streams of one display channel: STREAM_CREATE / CLIP / DESTROY, and each frame
 * decoded (through the stream's decoder, possibly asynchronously) and drawn into its surface
 * at the stream's destination, clipped, flipped for bottom-up streams and scaled when the
 * source size differs, as spice-gtk draws them.
 *
 * A stream whose codec we cannot decode, that breaks a limit, or whose decoder fails is ended
 * here only: the display channel goes on, the failure is reported (an event with a coded
 * SpiceError), and the server is told as spice-gtk tells it (a STREAM_REPORT of no frames
 * and UINT32_MAX drops), after which spice-server stops encoding that stream and sends its
 * frames as ordinary images. Frames still in flight for it are dropped.
 */
import { StreamFlags } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError, toSpiceError } from '../../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodedImage } from '../../codecs/types.js';
import type { Clip } from '../../canvas/index.js';
import type { Rect } from '../geometry.js';
import { videoCodecName, type StreamDecoder, type StreamDecoderFactory } from './stream-decoder.js';
import { monotonicMs } from '../clock.js';

/** STREAM_CREATE's body, as the display schema decodes it. */
export interface StreamCreateBody {
  surface_id: number;
  id: number;
  flags: number;
  codec_type: number;
  stream_width: number;
  stream_height: number;
  src_width: number;
  src_height: number;
  dest: Rect;
  clip: unknown;
}

export interface StreamLimits {
  /** Most streams alive at once on one display channel. Default 64 (spice-server uses up to 50). */
  maxStreams?: number;
  /** Largest stream picture (width*height). Default 64 Mi pixels. */
  maxPixels?: number;
}

/** Counters per codec name, since the channel linked. */
export interface StreamStats {
  /** Streams created with this codec (including ones that failed). */
  streams: number;
  /** Frames decoded (drawn or hidden). */
  frames: number;
  /** Frames drawn into the surface. */
  drawn: number;
  /** Frames of streams that had failed, thrown away. */
  dropped: number;
  /** Streams ended because of an error. */
  errors: number;
  /** Time from handing a frame to the decoder to having its picture, summed (ms). */
  decodeMs: number;
}

export type StreamEvent =
  | { kind: 'stream-created'; id: number; surfaceId: number; codec: string; width: number; height: number }
  | { kind: 'stream-destroyed'; id: number; codec: string; frames: number }
  | { kind: 'stream-error'; id: number; codec: string; error: SpiceError };

/** What the table draws into. */
export interface StreamCanvas {
  drawStreamFrame(surfaceId: number, frame: DecodedImage, srcWidth: number, srcHeight: number, dest: Rect, clip: Clip | null, topDown: boolean): void;
}

export interface StreamTableOptions extends StreamLimits {
  canvas: StreamCanvas;
  factory: StreamDecoderFactory;
  /** The codecs announced to the server (what the factory listed). */
  codecs: readonly number[];
  report: (e: StreamEvent) => void;
  /** Tells the server that stream `id` cannot be shown (sends the STREAM_REPORT). */
  refuse?: (id: number) => void;
}

interface Live {
  id: number;
  create: StreamCreateBody;
  clip: Clip | null;
  codec: string;
  decoder: StreamDecoder;
  frames: number;
}

export class StreamTable {
  private readonly live = new Map<number, Live>();
  /** Streams that failed: their frames are dropped until STREAM_DESTROY. */
  private readonly failed = new Map<number, { codec: string; frames: number }>();
  private readonly counters = new Map<string, StreamStats>();
  private closed = false;

  constructor(private readonly o: StreamTableOptions) {}

  /** Counters per codec name ('mjpeg', 'vp8', ...). */
  stats(): Record<string, StreamStats> {
    return Object.fromEntries([...this.counters].map(([k, v]) => [k, { ...v }]));
  }

  /** Streams alive now: id -> codec name. */
  active(): Map<number, string> {
    return new Map([...this.live].map(([id, s]) => [id, s.codec]));
  }

  private count(codec: string): StreamStats {
    let c = this.counters.get(codec);
    if (!c) this.counters.set(codec, c = { streams: 0, frames: 0, drawn: 0, dropped: 0, errors: 0, decodeMs: 0 });
    return c;
  }

  create(b: StreamCreateBody): void {
    if (this.live.has(b.id)) throw new SpiceError(ErrorCode.INCONSISTENT, `STREAM_CREATE for stream ${b.id}, which exists already`);
    this.failed.delete(b.id);
    const codec = videoCodecName(b.codec_type);
    this.count(codec).streams++;
    const maxPixels = this.o.maxPixels ?? DEFAULT_MAX_PIXELS;
    const maxStreams = this.o.maxStreams ?? 64;
    let why: SpiceError | undefined;
    if (!this.o.codecs.includes(b.codec_type)) {
      why = new SpiceError(ErrorCode.UNSUPPORTED, `stream ${b.id}: video codec ${codec} is not supported (not offered)`);
    } else if (!(b.src_width > 0 && b.src_height > 0 && b.stream_width > 0 && b.stream_height > 0)) {
      why = new SpiceError(ErrorCode.INCONSISTENT, `stream ${b.id}: empty picture (${b.src_width}x${b.src_height})`);
    } else if (b.src_width * b.src_height > maxPixels || b.stream_width * b.stream_height > maxPixels) {
      why = new SpiceError(ErrorCode.LIMIT, `stream ${b.id}: ${Math.max(b.src_width * b.src_height, b.stream_width * b.stream_height)} pixels is over the limit of ${maxPixels}`);
    } else if (this.live.size >= maxStreams) {
      why = new SpiceError(ErrorCode.LIMIT, `stream ${b.id}: more than ${maxStreams} streams at once`);
    }
    let decoder: StreamDecoder | undefined;
    if (!why) {
      try {
        decoder = this.o.factory.create({ id: b.id, codec: b.codec_type, width: b.src_width, height: b.src_height });
      } catch (e) {
        why = toSpiceError(e, ErrorCode.UNSUPPORTED);
      }
    }
    this.o.report({ kind: 'stream-created', id: b.id, surfaceId: b.surface_id, codec, width: b.src_width, height: b.src_height });
    if (!decoder) {
      this.refuse(b.id, codec, why!);
      return;
    }
    this.live.set(b.id, { id: b.id, create: b, clip: b.clip as Clip, codec, decoder, frames: 0 });
  }

  clip(id: number, clip: unknown): void {
    const s = this.live.get(id);
    if (s) s.clip = clip as Clip;
    else if (!this.failed.has(id)) throw new SpiceError(ErrorCode.INCONSISTENT, `STREAM_CLIP for stream ${id}, which does not exist`);
  }

  destroy(id: number): void {
    const gone = this.failed.get(id);
    if (gone) {
      this.failed.delete(id);
      this.o.report({ kind: 'stream-destroyed', id, codec: gone.codec, frames: gone.frames });
      return;
    }
    const s = this.live.get(id);
    if (!s) return;
    this.end(s);
    this.o.report({ kind: 'stream-destroyed', id, codec: s.codec, frames: s.frames });
  }

  destroyAll(): void {
    for (const id of [...this.failed.keys(), ...this.live.keys()]) this.destroy(id);
  }

  /** The surface went away: so do its streams. */
  destroySurface(surfaceId: number): void {
    for (const [id, s] of [...this.live]) if (s.create.surface_id === surfaceId) this.destroy(id);
  }

  /** The channel closed: every decoder is released, nothing more is drawn. */
  close(): void {
    this.closed = true;
    for (const s of this.live.values()) this.end(s);
    this.failed.clear();
  }

  /** One frame; a promise while its decoder works (the channel waits for it, keeping draw order). */
  frame(id: number, data: Uint8Array, mmTime: number, sized?: { width: number; height: number; dest: Rect }): void | Promise<void> {
    const s = this.live.get(id);
    if (!s) {
      const gone = this.failed.get(id);
      if (!gone) throw new SpiceError(ErrorCode.INCONSISTENT, `frame for stream ${id}, which does not exist`);
      this.count(gone.codec).dropped++;
      return;
    }
    const width = sized?.width ?? s.create.src_width, height = sized?.height ?? s.create.src_height;
    if (sized && !(width > 0 && height > 0 && width * height <= (this.o.maxPixels ?? DEFAULT_MAX_PIXELS))) {
      this.fail(s, new SpiceError(ErrorCode.LIMIT, `stream ${id}: a ${width}x${height} frame`));
      return;
    }
    const t0 = monotonicMs();
    let r: ReturnType<StreamDecoder['decode']>;
    try {
      r = s.decoder.decode(data, { width, height, mmTime });
    } catch (e) {
      this.fail(s, e);
      return;
    }
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      return (r as Promise<DecodedImage | undefined>).then(
        (img) => this.draw(s, img, width, height, sized?.dest, t0),
        (e) => { this.fail(s, e); },
      );
    }
    this.draw(s, r as DecodedImage | undefined, width, height, sized?.dest, t0);
  }

  private draw(s: Live, img: DecodedImage | undefined, width: number, height: number, dest: Rect | undefined, t0: number): void {
    if (this.closed || this.live.get(s.id) !== s) return;
    const c = this.count(s.codec);
    c.decodeMs += monotonicMs() - t0;
    c.frames++;
    s.frames++;
    if (!img) return;
    if (img.width < width || img.height < height || img.pixels.length < img.width * img.height) {
      this.fail(s, new SpiceError(ErrorCode.CORRUPT_IMAGE, `stream ${s.id}: the decoder gave a ${img.width}x${img.height} picture for a ${width}x${height} frame`));
      return;
    }
    const k = s.create;
    this.o.canvas.drawStreamFrame(k.surface_id, img, width, height, dest ?? k.dest, s.clip, (k.flags & StreamFlags.TOP_DOWN) !== 0);
    c.drawn++;
  }

  private fail(s: Live, e: unknown): void {
    if (this.closed || this.live.get(s.id) !== s) return;
    this.end(s);
    this.refuse(s.id, s.codec, toSpiceError(e, ErrorCode.CORRUPT_IMAGE), s.frames);
  }

  private refuse(id: number, codec: string, error: SpiceError, frames = 0): void {
    this.failed.set(id, { codec, frames });
    // A server that never destroys failed streams must not grow this: forget the oldest.
    if (this.failed.size > 4 * (this.o.maxStreams ?? 64)) this.failed.delete(this.failed.keys().next().value!);
    this.count(codec).errors++;
    this.o.report({ kind: 'stream-error', id, codec, error: error.withContext({ channel: 'display' }) });
    this.o.refuse?.(id);
  }

  private end(s: Live): void {
    this.live.delete(s.id);
    try {
      s.decoder.close?.();
    } catch { /* a decoder that fails to close is gone anyway */ }
  }
}
