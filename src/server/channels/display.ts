/**
 * A viewer's display channel. After DISPLAY_INIT (or a short wait for viewers that skip
 * it) it creates the primary surface, draws the whole frame and sends MARK; from then on
 * it sends the source's damage as draw-copy (or fill) messages and moves as COPY_BITS.
 * Large one-colour parts of the damage go as fills, layered as the drawing was where one
 * covers part of another (solid-split.ts, fill-layers.ts); only the rest is encoded.
 *
 * Flow control: at most two ACK windows of messages may be unacknowledged, and at most
 * `maxQueuedBytes` may wait in the connection; past either the channel stops encoding
 * and keeps collecting damage (a bounded list of rectangles), so a slow viewer gets
 * fewer, larger updates instead of an ever longer queue.
 *
 * Moves: a move is sent as COPY_BITS (unless other operations are queued); damage not yet
 * drawn on the viewer that the copy carries along is redrawn at its destination after it.
 *
 * Pixmap cache: when the viewer announced one (DISPLAY_INIT) and imageCache is on, the
 * channel first clears it (INVAL_ALL_PIXMAPS: entries of an earlier display channel of
 * the same session are not in our account), then repeated rectangles go as FROM_CACHE;
 * evictions are sent as INVAL_LIST right before the image that needs the room
 * (image-cache.ts). One display channel per viewer, so no WAIT_FOR_CHANNELS is needed.
 */
import { DisplayCap, ImageScaleMode, Ropd, SurfaceFlags, SurfaceFmt, BrushType, ClipType, ResourceType } from '../../protocol/enums/index.js';
import { GlzEncoder } from '../../codecs/encode/glz-encode.js';
import { JpegEncoder } from '../../codecs/encode/jpeg-encode.js';
import { ServerChannelBase, type ServerHandler } from './base.js';
import { Damage, intersect, type Box } from '../display/damage.js';
import { compressionFromWire, encodeRect, newImageId, type CompressionName, type JpegPolicy } from '../display/image-encoder.js';
import { PixmapCacheModel } from '../display/image-cache.js';
import { SolidSplitter } from '../display/solid-split.js';
import { displayImageSettings, type DisplayImageSettings } from '../options.js';
import type { SpiceChannel } from '../../channel/channel.js';
import { ErrorCode, toSpiceError } from '../../protocol/errors.js';
import type { ServerLinkResult } from '../../channel/link-server.js';
import type { Transport } from '../../transports/transport.js';
import type { Viewer } from '../viewer.js';
import { registerDisplayFastPaths } from '../../protocol/wire/display-fast-path.js';

// DRAW_FILL, DRAW_COPY and COPY_BITS bodies written without the schema walk (same bytes).
registerDisplayFastPaths();

type Op =
  | { kind: 'inval_all' }
  | { kind: 'surface' }
  | { kind: 'destroy' }
  | { kind: 'flush' }
  | { kind: 'monitors' }
  | { kind: 'mark' }
  | { kind: 'copy'; dst: Box; sx: number; sy: number };

const NO_MASK = { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };
const NO_CLIP = { type: ClipType.NONE };

const wireRect = (b: Box) => ({ top: b.y0, left: b.x0, bottom: b.y1, right: b.x1 });

/** INVAL_LIST's count is 16-bit. */
const MAX_INVAL_IDS = 0xffff;

/** A rectangle waiting to be sent; with `fill`, as a fill of that colour. */
type Pending = Box & { fill?: number };

export class ServerDisplay extends ServerChannelBase {
  protected readonly handlers: Record<string, ServerHandler> = {
    init: (b) => this.onInit(b),
    preferred_compression: (b) => {
      const name = compressionFromWire(b.image_compression as number);
      if (name) this.preferred = name;
    },
    ack: () => this.kick(),
  };
  private readonly damageList = new Damage();
  private ops: Op[] = [];
  private inflight: Pending[] = [];
  private readonly splitter = new SolidSplitter();
  /** The source's solidColour, when it has one (bound once: it is called per box). */
  private readonly knownColour = (b: Box): number => {
    const source = this.server.source;
    return source.solidColour ? source.solidColour(b) : -1;
  };
  private glz: GlzEncoder | null = null;
  /** The viewer's pixmap cache, once it has been cleared (until then: `pendingCache`). */
  private pixmapCache: PixmapCacheModel | null = null;
  private pendingCache: PixmapCacheModel | null = null;
  private readonly jpeg: JpegPolicy | null;
  private readonly images: DisplayImageSettings;
  private preferred?: CompressionName;
  private started = false;
  private sending = false;
  private waitingDrain = false;
  private width = 0;
  private height = 0;
  private readonly initTimer: ReturnType<typeof setTimeout>;
  private readonly ackWindow: number;

  constructor(viewer: Viewer, channel: SpiceChannel, transport: Transport, link: ServerLinkResult) {
    super(viewer, channel, transport, link);
    this.ackWindow = viewer.server.settings.ackWindow;
    let images: DisplayImageSettings | undefined;
    try {
      images = displayImageSettings(viewer.server.options);
    } catch (e) {
      // Bad options: this viewer goes, with the reason logged (once the channel is attached).
      queueMicrotask(() => viewer.close(toSpiceError(e, ErrorCode.BAD_ARGUMENT)));
    }
    this.images = images ?? { ...displayImageSettings({ source: viewer.server.source }), imageCache: false, jpeg: 'never' };
    this.jpeg = this.images.jpeg === 'always'
      ? { encoder: new JpegEncoder({ quality: this.images.jpegQuality }), minPixels: this.images.minJpegPixels } : null;
    channel.setAckWindow(this.ackWindow);
    this.initTimer = setTimeout(() => this.begin(), viewer.server.settings.displayInitWaitMs);
  }

  private get server() {
    return this.viewer.server;
  }

  private get bounds(): Box {
    return { x0: 0, y0: 0, x1: this.width, y1: this.height };
  }

  private onInit(b: Record<string, any>): void {
    const window = Number(b.glz_dictionary_window_size);
    if (window > 0 && !this.glz) {
      this.glz = new GlzEncoder({ windowPixels: Math.min(window, this.server.settings.maxGlzWindowPixels), dictionaryId: b.glz_dictionary_id });
    }
    // pixmap_cache_size is an i64 of pixels; 0 (or less) means no cache.
    const size = Number(b.pixmap_cache_size);
    if (this.images.imageCache && size > 0 && !this.pixmapCache && !this.pendingCache) {
      this.pendingCache = new PixmapCacheModel({
        capacityPixels: Math.min(size, this.images.maxCachePixels), minPixels: this.images.minCachePixels, newId: newImageId,
      });
      // Used only once the clear has gone out, whenever DISPLAY_INIT came.
      if (this.started) this.ops.unshift({ kind: 'inval_all' });
    }
    this.begin();
  }

  private begin(): void {
    if (this.started || !this.channel.ready) return;
    clearTimeout(this.initTimer);
    this.started = true;
    const f = this.server.source.frame();
    this.width = f.width;
    this.height = f.height;
    this.damageList.add(this.bounds, this.bounds);
    if (this.pendingCache) this.ops.push({ kind: 'inval_all' });
    this.ops.push({ kind: 'surface' }, { kind: 'flush' }, { kind: 'monitors' }, { kind: 'mark' });
    this.kick();
  }

  /** New damage from the source (already captured). */
  damage(boxes: readonly Box[]): void {
    if (!this.started) return;
    this.damageList.addAll(boxes, this.bounds);
    this.kick();
  }

  /**
   * The source moved `src` by (dx, dy). `frozen`: the frame may not hold the moved pixels yet
   * (a capture is under way), so the destination is redrawn instead. `pending`: damage the
   * server has not handed out yet. Damage not yet drawn on the viewer (pending, ours, in
   * flight) is stale there; where it lies in the source area the copy carries it to the
   * destination, so those parts are redrawn after the copy.
   */
  move(src: Box, dx: number, dy: number, frozen: boolean, pending: readonly Box[] = []): void {
    if (!this.started) return;
    const dst = intersect({ x0: src.x0 + dx, y0: src.y0 + dy, x1: src.x1 + dx, y1: src.y1 + dy }, this.bounds);
    if (!dst) return;
    const from = intersect({ x0: dst.x0 - dx, y0: dst.y0 - dy, x1: dst.x1 - dx, y1: dst.y1 - dy }, this.bounds);
    const whole = from && from.x1 - from.x0 === dst.x1 - dst.x0 && from.y1 - from.y0 === dst.y1 - dst.y0;
    if (frozen || !whole || this.ops.length) {
      this.damageList.add(dst, this.bounds);
    } else {
      this.damageList.moved(from!, dx, dy, this.bounds);
      for (const list of [this.inflight, pending]) {
        for (const b of list) {
          const i = intersect(b, from!);
          if (i) this.damageList.add({ x0: i.x0 + dx, y0: i.y0 + dy, x1: i.x1 + dx, y1: i.y1 + dy }, this.bounds);
        }
      }
      this.ops.push({ kind: 'copy', dst, sx: from!.x0, sy: from!.y0 });
    }
    this.kick();
  }

  resized(width: number, height: number): void {
    if (!this.started) return;
    this.damageList.clear();
    this.inflight = [];
    this.ops = [{ kind: 'destroy' }, { kind: 'surface' }, { kind: 'flush' }, { kind: 'monitors' }];
    if (this.pendingCache) this.ops.unshift({ kind: 'inval_all' });
    this.width = width;
    this.height = height;
    this.damageList.add(this.bounds, this.bounds);
    this.kick();
  }

  private blocked(): boolean {
    if (this.channel.unacked >= this.ackWindow * 2) return true; // the next ACK calls kick()
    const queued = this.transport.pendingBytes?.() ?? 0;
    if (queued > this.server.settings.maxQueuedBytes) {
      if (!this.waitingDrain && this.transport.onceDrained) {
        this.waitingDrain = true;
        this.transport.onceDrained(() => { this.waitingDrain = false; this.kick(); });
      }
      return true;
    }
    return false;
  }

  /** Sends what can be sent now. */
  kick(): void {
    if (this.sending || !this.started || !this.channel.ready) return;
    this.sending = true;
    const t0 = performance.now();
    try {
      while (this.channel.ready && !this.blocked()) {
        if (this.inflight.length) {
          this.sendBox(this.inflight.shift()!);
          continue;
        }
        const op = this.ops[0];
        if (op?.kind === 'flush') {
          if (!this.damageList.empty) { this.inflight = this.plan(this.cut(this.damageList.take())); continue; }
          this.ops.shift();
          continue;
        }
        if (op) {
          this.ops.shift();
          this.runOp(op);
          continue;
        }
        if (this.damageList.empty) break;
        this.inflight = this.plan(this.cut(this.damageList.take()));
      }
    } finally {
      this.sending = false;
      this.server.stats.sendMs += performance.now() - t0;
    }
  }

  /** Cuts rectangles bigger than the image limit into bands. */
  private cut(boxes: Box[]): Box[] {
    const max = this.server.settings.maxImagePixels;
    const out: Box[] = [];
    for (const b of boxes) {
      const w = b.x1 - b.x0;
      const rows = Math.max(1, Math.floor(max / w));
      for (let y = b.y0; y < b.y1; y += rows) out.push({ x0: b.x0, y0: y, x1: b.x1, y1: Math.min(b.y1, y + rows) });
    }
    return out;
  }

  /**
   * Large one-colour parts of the rectangles become fills (sent first, layered where a
   * fill covers part of another); the rest goes as images.
   */
  private plan(boxes: Box[]): Pending[] {
    const frame = this.server.source.frame();
    const limit = { x0: 0, y0: 0, x1: Math.min(frame.width, this.width), y1: Math.min(frame.height, this.height) };
    const inside: Box[] = [];
    for (const b of boxes) {
      const c = intersect(b, limit);
      if (c) inside.push(c);
    }
    const t0 = performance.now();
    // Boxes the source knows to be one colour are not scanned.
    const k0 = this.splitter.knownBoxes;
    // (Fills may reach beyond the damage over pixels of their colour. A move reported
    // after this plan re-damages what it carries of the fills in flight, as of any box;
    // a copy already queued would need those pixels as they were before it, so then
    // not, though plan() runs with no copy queued as the send loop stands.)
    const { fills, rest } = this.splitter.plan(frame.pixels, frame.stride, inside, this.knownColour, !this.ops.some((o) => o.kind === 'copy'));
    this.server.stats.planMs += performance.now() - t0;
    this.server.stats.knownFills += this.splitter.knownBoxes - k0;
    if (fills.length === 0) return rest;
    const out: Pending[] = [];
    for (const f of fills) out.push({ x0: f.x0, y0: f.y0, x1: f.x1, y1: f.y1, fill: f.color });
    for (const r of rest) out.push(r);
    return out;
  }

  private runOp(op: Op): void {
    switch (op.kind) {
      case 'inval_all':
        if (this.pendingCache && this.send('inval_all_pixmaps', { wait_count: 0, wait_list: [] })) {
          this.pixmapCache = this.pendingCache;
          this.pendingCache = null;
        }
        break;
      case 'surface':
        this.send('surface_create', {
          surface_id: 0, width: this.width, height: this.height, format: SurfaceFmt['32_xRGB'], flags: SurfaceFlags.PRIMARY,
        });
        break;
      case 'destroy':
        this.send('surface_destroy', { surface_id: 0 });
        break;
      case 'monitors':
        if (this.clientCaps.has(DisplayCap.MONITORS_CONFIG)) {
          this.send('monitors_config', {
            count: 1, max_allowed: 1,
            heads: [{ monitor_id: 0, surface_id: 0, width: this.width, height: this.height, x: 0, y: 0, flags: 0 }],
          });
        }
        break;
      case 'mark':
        this.send('mark', {});
        break;
      case 'copy':
        this.server.stats.copyBits++;
        this.send('copy_bits', { base: { surface_id: 0, box: wireRect(op.dst), clip: NO_CLIP }, src_pos: { x: op.sx, y: op.sy } });
        break;
      case 'flush':
        break;
    }
  }

  private sendBox(b: Pending): void {
    const frame = this.server.source.frame();
    // The frame may have shrunk since the damage was taken (a resize is on its way).
    const c = intersect(b, { x0: 0, y0: 0, x1: Math.min(frame.width, this.width), y1: Math.min(frame.height, this.height) });
    if (!c) return;
    if (b.fill !== undefined) {
      this.server.stats.fills++;
      this.sendFill(c, b.fill);
      return;
    }
    const setting = this.preferred ?? this.server.compression;
    const enc = encodeRect(frame, c, setting, { lz4: this.clientCaps.has(DisplayCap.LZ4_COMPRESSION), glz: this.glz }, this.server.stats,
      // (A queued copy may move the row above the box: the viewer must get that row's
      // pixels from before the move, so the image keeps to its box until the copy is sent.)
      { cache: this.pixmapCache, jpeg: this.jpeg, quicRowAbove: !this.ops.some((o) => o.kind === 'copy') });
    if (enc.kind === 'fill') {
      this.sendFill(c, enc.color);
      return;
    }
    const at = enc.box ?? c;
    const base = { surface_id: 0, box: wireRect(at), clip: NO_CLIP };
    // The viewer drops what was evicted before it stores this image.
    for (let i = 0; enc.evicted && i < enc.evicted.length; i += MAX_INVAL_IDS) {
      const ids = enc.evicted.slice(i, i + MAX_INVAL_IDS);
      this.send('inval_list', { count: ids.length, resources: ids.map((id) => ({ type: ResourceType.PIXMAP, id })) });
    }
    this.timedSend('draw_copy', {
      base,
      data: {
        src_bitmap: enc.image, src_area: { top: 0, left: 0, bottom: at.y1 - at.y0, right: at.x1 - at.x0 },
        rop_descriptor: Ropd.OP_PUT, scale_mode: ImageScaleMode.NEAREST, mask: NO_MASK,
      },
    });
  }

  private sendFill(b: Box, color: number): void {
    const base = { surface_id: 0, box: wireRect(b), clip: NO_CLIP };
    this.timedSend('draw_fill', { base, data: { brush: { type: BrushType.SOLID, color }, rop_descriptor: Ropd.OP_PUT, mask: NO_MASK } });
  }

  private timedSend(name: string, body: Record<string, unknown>): void {
    const t0 = performance.now();
    this.send(name, body);
    this.server.stats.messageMs += performance.now() - t0;
  }

  protected override closed(): void {
    clearTimeout(this.initTimer);
  }
}
