/**
 * The display channel, client side: announces its caches (DISPLAY_INIT),
 * hands draw and surface messages to the canvas in order, keeps video
 * streams and draws their frames, and reports surfaces, damage, MARK and
 * monitor layouts.
 *
 * Caches and the GLZ dictionary belong to the session (`DisplayShared`) and
 * are shared by all its display channels, as the server expects.
 */
import { ImageCompression, DisplayCap } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import type { SpiceChannel } from '../../channel/channel.js';
import type { Transport } from '../../transports/transport.js';
import type { JpegDecoder } from '../../codecs/jpeg.js';
import { DisplayCanvas, ImageCache, PaletteCache, type ImageDecoders, type Surface } from '../../canvas/index.js';
import { displayInitBody, DISPLAY_INIT_DEFAULTS } from '../defaults.js';
import { ChannelClient, type HandlerTable, type SessionLink } from './base.js';
import type { Rect } from '../geometry.js';
import { combineStreamDecoders, mjpegStreamDecoders, videoCodecByName, type StreamDecoderFactory } from './stream-decoder.js';
import { StreamTable, type StreamEvent, type StreamStats } from './streams.js';

export interface DisplayClientOptions {
  /**
   * Image decoders (Node default: every codec of spice-ts), or a function
   * making them once per session (it may load them: a promise is awaited
   * before the first display channel links).
   */
  decoders?: ImageDecoders | ((shared: { glzWindowPixels: number; maxImagePixels?: number }) => ImageDecoders | Promise<ImageDecoders>);
  /** Pixmap cache capacity announced to the server, pixels. */
  pixmapCacheSize?: number;
  /** GLZ window announced to the server, pixels; 0 makes the server use LZ instead of GLZ. */
  glzWindowSize?: number;
  /**
   * A decoder per MJPEG stream (it may keep tables from frame to frame).
   * Default: spice-ts's own, with spice-gtk's MJPEG settings (fast IDCT, no
   * fancy upsampling), so frames are pixel-identical to spice-gtk's.
   */
  streamDecoder?: () => JpegDecoder;
  /**
   * Video stream decoders for more codecs (VP8, H.264, ... : the browser's WebCodecs).
   * The display channel announces the codecs it lists plus MJPEG (which `streamDecoder`
   * or spice-ts decodes when this factory does not).
   */
  streamDecoders?: StreamDecoderFactory;
  /**
   * The video codecs to offer, best first ('vp8', 'h264', 'mjpeg', ...): only these are
   * announced (of those the decoders have), and, when the server accepts a preference
   * (its PREF_VIDEO_CODEC_TYPE cap), it is asked to use them in this order. Default: every
   * codec the decoders have, no preference sent (the server's own order).
   */
  videoCodecs?: string[];
  /** Most video streams alive at once per display channel. Default 64. */
  maxStreams?: number;
  /** Largest surface the server may create (width*height). Default 64 Mi pixels. */
  maxSurfacePixels?: number;
  /** Most live surfaces per display channel. Default 1024. */
  maxSurfaces?: number;
  /** Largest image (width*height) decoded or drawn. Default 64 Mi pixels. */
  maxImagePixels?: number;
  /** Ask the server for this image compression (needs its PREF_COMPRESSION cap). */
  preferredCompression?: 'off' | 'auto_glz' | 'auto_lz' | 'quic' | 'glz' | 'lz' | 'lz4';
}

/** What all display channels of one session share. */
export interface DisplayShared {
  imageCache: ImageCache;
  paletteCache: PaletteCache;
  decoders: ImageDecoders;
  glzWindowPixels: number;
  /** Video stream decoders, and the codecs (VideoCodecType) they decode, in offer order. */
  streamDecoders: StreamDecoderFactory;
  videoCodecs: readonly number[];
  dispose?(): void;
}

export type DisplayEvent =
  | { kind: 'surface'; surface: { surfaceId: number; width: number; height: number; format: number; primary: boolean } }
  | { kind: 'surface-destroyed'; surfaceId: number }
  | { kind: 'invalidate'; surfaceId: number; rect: Rect }
  | { kind: 'mark' }
  | { kind: 'monitors'; heads: { id: number; surfaceId: number; x: number; y: number; width: number; height: number }[] }
  | StreamEvent;

/** The codecs a factory lists, narrowed (and ordered) by the caller's `videoCodecs`. */
async function offeredCodecs(factory: StreamDecoderFactory, wanted: string[] | undefined): Promise<number[]> {
  const have = [...await factory.codecs()];
  if (!wanted) return have;
  const out: number[] = [];
  for (const name of wanted) {
    const c = videoCodecByName(name);
    if (c === undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown video codec '${name}'`);
    if (have.includes(c) && !out.includes(c)) out.push(c);
  }
  return out;
}

export class DisplayClient extends ChannelClient {
  readonly canvas: DisplayCanvas;
  /** The video streams (codec counters: `streams.stats()`). */
  readonly streams: StreamTable;
  primaryId?: number;
  marked = false;
  monitors: { id: number; surfaceId: number; x: number; y: number; width: number; height: number }[] = [];

  static async createShared(opts: DisplayClientOptions): Promise<DisplayShared> {
    const glzWindowPixels = opts.glzWindowSize ?? DISPLAY_INIT_DEFAULTS.glzWindowSize;
    const mjpeg = mjpegStreamDecoders(opts.streamDecoder);
    const streamDecoders = opts.streamDecoders ? combineStreamDecoders(opts.streamDecoders, mjpeg) : mjpeg;
    const [decoders, videoCodecs] = await Promise.all([
      typeof opts.decoders === 'function' ? opts.decoders({ glzWindowPixels, maxImagePixels: opts.maxImagePixels }) : (opts.decoders ?? {}),
      offeredCodecs(streamDecoders, opts.videoCodecs),
    ]);
    return {
      imageCache: new ImageCache({ maxPixels: opts.pixmapCacheSize ?? DISPLAY_INIT_DEFAULTS.pixmapCacheSize }),
      paletteCache: new PaletteCache(),
      decoders,
      glzWindowPixels,
      streamDecoders,
      videoCodecs,
      dispose: () => decoders.dispose?.(),
    };
  }

  constructor(
    channel: SpiceChannel, transport: Transport, session: SessionLink,
    private readonly shared: DisplayShared,
    private readonly opts: DisplayClientOptions,
    private readonly report: (e: DisplayEvent) => void,
  ) {
    super(channel, transport, session);
    this.canvas = new DisplayCanvas({
      imageCache: shared.imageCache,
      paletteCache: shared.paletteCache,
      decoders: shared.decoders,
      maxSurfacePixels: opts.maxSurfacePixels,
      maxSurfaces: opts.maxSurfaces,
      maxImagePixels: opts.maxImagePixels,
      onInvalidate: (surfaceId: number, rect: Rect) => this.report({ kind: 'invalidate', surfaceId, rect }),
    });
    this.streams = new StreamTable({
      canvas: this.canvas, factory: shared.streamDecoders, codecs: shared.videoCodecs,
      maxStreams: opts.maxStreams, maxPixels: opts.maxImagePixels,
      report: (e) => {
        if (e.kind === 'stream-error') e.error.withContext({ channel: 'display', channelId: this.id });
        this.report(e);
      },
      refuse: (id) => this.refuseStream(id),
    });
    shared.imageCache.users++;
    // INIT goes out with the ticket: spice-server waits for it as the channel connects.
    channel.sendAfterTicket({
      name: 'init',
      body: displayInitBody({
        pixmapCacheSize: opts.pixmapCacheSize ?? DISPLAY_INIT_DEFAULTS.pixmapCacheSize,
        glzWindowSize: shared.glzWindowPixels,
      }),
    });
    channel.once('linked', () => this.announce());
  }

  private announce(): void {
    const pref = this.opts.preferredCompression;
    if (pref) {
      const value = (ImageCompression as Record<string, number>)[pref.toUpperCase()];
      if (value === undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown image compression '${pref}'`);
      this.channel.send({ name: 'preferred_compression', body: { image_compression: value } });
    }
    if (this.opts.videoCodecs && this.shared.videoCodecs.length > 0 && this.serverHas(DisplayCap.PREF_VIDEO_CODEC_TYPE)) {
      const codecs = [...this.shared.videoCodecs];
      this.channel.send({ name: 'preferred_video_codec_type', body: { num_of_codecs: codecs.length, codecs } });
    }
  }

  private serverHas(cap: number): boolean {
    return this.channel.linkInfo?.client?.serverChannelCaps.includes(cap) ?? false;
  }

  /**
   * Tells the server we cannot show stream `id` (as spice-gtk does: no frames, UINT32_MAX
   * drops); spice-server then stops encoding it and sends its frames as images.
   */
  private refuseStream(id: number): void {
    if (this.closed || !this.serverHas(DisplayCap.STREAM_REPORT)) return;
    this.channel.send({
      name: 'stream_report',
      body: {
        stream_id: id, unique_id: 0, start_frame_mm_time: 0, end_frame_mm_time: 0,
        num_frames: 0, num_drops: 0xffffffff, last_frame_delay: 0, audio_delay: 0,
      },
    });
  }

  /** Counters per video codec ('mjpeg', 'vp8', ...) since the channel linked. */
  streamStats(): Record<string, StreamStats> {
    return this.streams.stats();
  }

  /** The primary surface (the screen), once the server created it. */
  primarySurface(): Surface | undefined {
    return this.primaryId === undefined ? undefined : this.canvas.surface(this.primaryId);
  }

  private readonly handlers: HandlerTable<'display'> = {
    surface_create: (b) => {
      this.canvas.apply({ name: 'surface_create', body: b });
      const primary = (b.flags & 1) !== 0;
      if (primary) this.primaryId = b.surface_id;
      this.report({ kind: 'surface', surface: { surfaceId: b.surface_id, width: b.width, height: b.height, format: b.format, primary } });
    },
    surface_destroy: (b) => {
      this.streams.destroySurface(b.surface_id);
      this.canvas.apply({ name: 'surface_destroy', body: b });
      if (this.primaryId === b.surface_id) this.primaryId = undefined;
      this.report({ kind: 'surface-destroyed', surfaceId: b.surface_id });
    },
    mark: () => { this.marked = true; this.report({ kind: 'mark' }); },
    reset: (b) => { this.streams.destroyAll(); return this.canvas.apply({ name: 'reset', body: b }); },
    monitors_config: (b) => {
      this.monitors = b.heads.map((h) => ({ id: h.monitor_id, surfaceId: h.surface_id, x: h.x, y: h.y, width: h.width, height: h.height }));
      this.report({ kind: 'monitors', heads: this.monitors });
    },
    stream_create: (b) => this.streams.create(b),
    stream_clip: (b) => this.streams.clip(b.id, b.clip),
    stream_destroy: (b) => this.streams.destroy(b.id),
    stream_destroy_all: () => this.streams.destroyAll(),
    stream_data: (b) => this.streams.frame(b.base.id, b.data, b.base.multi_media_time),
    stream_data_sized: (b) => this.streams.frame(b.base.id, b.data, b.base.multi_media_time, { width: b.width, height: b.height, dest: b.dest }),
  };

  protected override onClose(): void {
    this.shared.imageCache.users--;
    this.streams.close();
  }

  protected handler(name: string) {
    const h = this.handlers[name as keyof HandlerTable<'display'>];
    if (h) return h as (body: never) => void | Promise<void>;
    if (name.startsWith('draw_') || name === 'copy_bits' || name.startsWith('inval_')) {
      return ((body: unknown) => this.canvas.apply({ name, body } as never)) as (body: never) => void | Promise<void>;
    }
    return undefined;
  }
}
