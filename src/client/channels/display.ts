/**
 * The display channel, client side: announces its caches (DISPLAY_INIT),
 * hands draw and surface messages to the canvas in order, keeps video
 * streams and draws their frames, and reports surfaces, damage, MARK and
 * monitor layouts.
 *
 * Caches and the GLZ dictionary belong to the session (`DisplayShared`) and
 * are shared by all its display channels, as the server expects.
 */
import { ImageCompression, VideoCodecType, StreamFlags, enumName } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import type { ServerMessage } from '../../protocol/schema/channels.js';
import type { SpiceChannel } from '../../channel/channel.js';
import type { Transport } from '../../transports/transport.js';
import type { DecodedImage } from '../../codecs/types.js';
import { createPureJpegDecoder, MJPEG_FRAME_OPTIONS, type JpegDecoder } from '../../codecs/jpeg.js';
import { DisplayCanvas, ImageCache, PaletteCache, type Clip, type ImageDecoders, type Surface } from '../../canvas/index.js';
import { displayInitBody, DISPLAY_INIT_DEFAULTS } from '../defaults.js';
import { ChannelClient, type HandlerTable, type SessionLink } from './base.js';
import type { Rect } from '../geometry.js';

type Msg<N extends ServerMessage<'display'>['name']> = Extract<ServerMessage<'display'>, { name: N }>['body'];
type StreamCreate = Msg<'stream_create'>;

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
  dispose?(): void;
}

export type DisplayEvent =
  | { kind: 'surface'; surface: { surfaceId: number; width: number; height: number; format: number; primary: boolean } }
  | { kind: 'surface-destroyed'; surfaceId: number }
  | { kind: 'invalidate'; surfaceId: number; rect: Rect }
  | { kind: 'mark' }
  | { kind: 'monitors'; heads: { id: number; surfaceId: number; x: number; y: number; width: number; height: number }[] };

interface Stream {
  create: StreamCreate;
  clip: StreamCreate['clip'];
  decoder: JpegDecoder;
}

export class DisplayClient extends ChannelClient {
  readonly canvas: DisplayCanvas;
  private readonly streams = new Map<number, Stream>();
  primaryId?: number;
  marked = false;
  monitors: { id: number; surfaceId: number; x: number; y: number; width: number; height: number }[] = [];

  static async createShared(opts: DisplayClientOptions): Promise<DisplayShared> {
    const glzWindowPixels = opts.glzWindowSize ?? DISPLAY_INIT_DEFAULTS.glzWindowSize;
    const decoders = typeof opts.decoders === 'function' ? await opts.decoders({ glzWindowPixels, maxImagePixels: opts.maxImagePixels }) : (opts.decoders ?? {});
    return {
      imageCache: new ImageCache({ maxPixels: opts.pixmapCacheSize ?? DISPLAY_INIT_DEFAULTS.pixmapCacheSize }),
      paletteCache: new PaletteCache(),
      decoders,
      glzWindowPixels,
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
    shared.imageCache.users++;
    channel.once('linked', () => this.announce());
  }

  private announce(): void {
    this.channel.send({
      name: 'init',
      body: displayInitBody({
        pixmapCacheSize: this.opts.pixmapCacheSize ?? DISPLAY_INIT_DEFAULTS.pixmapCacheSize,
        glzWindowSize: this.shared.glzWindowPixels,
      }),
    });
    const pref = this.opts.preferredCompression;
    if (pref) {
      const value = (ImageCompression as Record<string, number>)[pref.toUpperCase()];
      if (value === undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown image compression '${pref}'`);
      this.channel.send({ name: 'preferred_compression', body: { image_compression: value } });
    }
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
      for (const [id, s] of this.streams) if (s.create.surface_id === b.surface_id) this.streams.delete(id);
      this.canvas.apply({ name: 'surface_destroy', body: b });
      if (this.primaryId === b.surface_id) this.primaryId = undefined;
      this.report({ kind: 'surface-destroyed', surfaceId: b.surface_id });
    },
    mark: () => { this.marked = true; this.report({ kind: 'mark' }); },
    reset: (b) => { this.streams.clear(); return this.canvas.apply({ name: 'reset', body: b }); },
    monitors_config: (b) => {
      this.monitors = b.heads.map((h) => ({ id: h.monitor_id, surfaceId: h.surface_id, x: h.x, y: h.y, width: h.width, height: h.height }));
      this.report({ kind: 'monitors', heads: this.monitors });
    },
    stream_create: (b) => {
      if (b.codec_type !== VideoCodecType.MJPEG) {
        throw new SpiceError(ErrorCode.UNSUPPORTED, `video codec ${enumName(VideoCodecType, b.codec_type)} is not supported (only MJPEG was offered)`);
      }
      const decoder = this.opts.streamDecoder?.() ?? createPureJpegDecoder(MJPEG_FRAME_OPTIONS);
      this.streams.set(b.id, { create: b, clip: b.clip, decoder });
    },
    stream_clip: (b) => {
      const s = this.streams.get(b.id);
      if (!s) throw new SpiceError(ErrorCode.INCONSISTENT, `STREAM_CLIP for stream ${b.id}, which does not exist`);
      s.clip = b.clip;
    },
    stream_destroy: (b) => { this.streams.delete(b.id); },
    stream_destroy_all: () => { this.streams.clear(); },
    stream_data: (b) => this.frame(b.base.id, b.data),
    stream_data_sized: (b) => this.frame(b.base.id, b.data, { width: b.width, height: b.height, dest: b.dest }),
  };

  protected override onClose(): void {
    this.shared.imageCache.users--;
  }

  protected handler(name: string) {
    const h = this.handlers[name as keyof HandlerTable<'display'>];
    if (h) return h as (body: never) => void | Promise<void>;
    if (name.startsWith('draw_') || name === 'copy_bits' || name.startsWith('inval_')) {
      return ((body: unknown) => this.canvas.apply({ name, body } as never)) as (body: never) => void | Promise<void>;
    }
    return undefined;
  }

  private frame(id: number, data: Uint8Array, sized?: { width: number; height: number; dest: Rect }): void | Promise<void> {
    const s = this.streams.get(id);
    if (!s) throw new SpiceError(ErrorCode.INCONSISTENT, `frame for stream ${id}, which does not exist`);
    const draw = (img: DecodedImage) => {
      const c = s.create;
      this.canvas.drawStreamFrame(
        c.surface_id, img,
        sized?.width ?? c.src_width, sized?.height ?? c.src_height,
        sized?.dest ?? c.dest, s.clip as Clip, (c.flags & StreamFlags.TOP_DOWN) !== 0,
      );
    };
    const r = s.decoder.decode(data);
    if (r instanceof Promise) return r.then(draw);
    draw(r);
  }
}
