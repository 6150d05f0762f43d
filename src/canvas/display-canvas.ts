/**
 * DisplayCanvas: the surfaces of one display channel and the draw-message
 * semantics of spice-common's software canvas as spice-gtk drives it.
 * `apply(msg)` takes a decoded display-channel server message; it returns a
 * Promise only when an image decoder answered asynchronously (the caller
 * applies messages one after the other).
 */
import { BrushType, ClipType, CompositeFlags, ImageType, ResourceType } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { DecodedImage } from '../codecs/types.js';
import { ImageCache, PaletteCache } from './caches.js';
import { bitmapToMask } from './bitmap.js';
import { resolveImage, then, isPromise, type ImageDecoders, type MaybePromise, type SpiceImage } from './images.js';
import { convertImage, targetFormat } from './pixfmt.js';
import { Region } from './region.js';
import { blit, colorForSurface, fillSolid, fillTiled } from './raster.js';
import { Rop } from './rop.js';
import { Surface, surfaceImageFormat, type CanvasImage, type Rect } from './types.js';
import * as ops from './draw-ops.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Body = any;

export interface DisplayCanvasOptions {
  /** The session's image cache (shared by the display channels with the same cache id). */
  imageCache?: ImageCache;
  /** The palette cache. */
  paletteCache?: PaletteCache;
  /** Decoders for compressed images; a missing one makes such images an UNSUPPORTED error. */
  decoders?: ImageDecoders;
  /** Largest surface (width*height). Default 64 Mi pixels. */
  maxSurfacePixels?: number;
  /** Most live surfaces. Default 1024. */
  maxSurfaces?: number;
  /** Largest image or temporary buffer (width*height). Default 64 Mi pixels. */
  maxImagePixels?: number;
  /** The damaged part of the primary surface after each message (clipped to the surface). */
  onInvalidate?(surfaceId: number, rect: Rect): void;
  onSurfaceCreated?(surface: Surface): void;
  onSurfaceDestroyed?(surfaceId: number): void;
}

export interface Clip {
  type: number;
  rects?: { num_rects: number; rects: Rect[] };
}

/** A display message as decoded by decodeMessage / typed as ServerMessage<'display'>. */
export interface DisplayMessage {
  name: string;
  body: unknown;
}

/** One image wanted by a draw, in the order the reference reads them. */
interface ImageRequest {
  image: SpiceImage | null | undefined;
  /** Only decode when the cache or GLZ dictionary needs it. */
  touch: boolean;
}

export class DisplayCanvas {
  readonly imageCache: ImageCache;
  readonly paletteCache: PaletteCache;
  decoders: ImageDecoders;
  private readonly surfaces = new Map<number, Surface>();
  private primaryId: number | undefined;
  private readonly opts: DisplayCanvasOptions;
  readonly maxImagePixels: number;

  constructor(opts: DisplayCanvasOptions = {}) {
    this.opts = opts;
    this.imageCache = opts.imageCache ?? new ImageCache();
    this.paletteCache = opts.paletteCache ?? new PaletteCache();
    this.decoders = opts.decoders ?? {};
    this.maxImagePixels = opts.maxImagePixels ?? 64 * 1024 * 1024;
  }

  /** The primary surface (the screen), if any. */
  get primary(): Surface | undefined {
    return this.primaryId === undefined ? undefined : this.surfaces.get(this.primaryId);
  }

  getSurface(id: number): Surface | undefined {
    return this.surfaces.get(id);
  }

  surfaceIds(): number[] {
    return [...this.surfaces.keys()];
  }

  /** The surface a draw refers to, or an INCONSISTENT error. */
  surface(id: number): Surface {
    const s = this.surfaces.get(id);
    if (!s) throw new SpiceError(ErrorCode.INCONSISTENT, `surface ${id} does not exist`);
    return s;
  }

  /** Applies one display-channel server message. */
  apply(msg: DisplayMessage): void | Promise<void> {
    const b = msg.body as Body;
    switch (msg.name) {
      case 'surface_create': return this.createSurface(b.surface_id, b.width, b.height, b.format, (b.flags & 1) !== 0);
      case 'surface_destroy': return this.destroySurface(b.surface_id);
      case 'mode': return this.createSurface(0, b.x_res, b.y_res, b.bits === 16 ? 16 : 32, true);
      case 'reset': return this.reset();
      case 'copy_bits': return this.copyBits(b);
      case 'inval_list': return this.invalList(b);
      case 'inval_all_pixmaps': this.imageCache.clear(); return;
      case 'inval_palette': this.paletteCache.remove(b.id); return;
      case 'inval_all_palettes': this.paletteCache.clear(); return;
      case 'draw_fill': return this.drawFill(b);
      case 'draw_opaque': return this.drawOpaque(b);
      case 'draw_copy': case 'draw_blend': return this.drawCopy(b);
      case 'draw_blackness': return this.drawSolidOp(b, 0, Rop.COPY);
      case 'draw_whiteness': return this.drawSolidOp(b, 0xffffffff, Rop.COPY);
      case 'draw_invers': return this.drawSolidOp(b, 0, Rop.INVERT);
      case 'draw_rop3': return this.drawRop3(b);
      case 'draw_stroke': return this.drawStroke(b);
      case 'draw_text': return this.drawText(b);
      case 'draw_transparent': return this.drawTransparent(b);
      case 'draw_alpha_blend': return this.drawAlphaBlend(b);
      case 'draw_composite': return this.drawComposite(b);
      default: return; // streams, marks, monitors: not canvas state
    }
  }

  /** Resolves an image (decoding, cache and palette flags) to its native canvas image. */
  resolveImage(image: SpiceImage, drawingOn?: Surface): MaybePromise<CanvasImage> {
    return then(resolveImage(image, this.imageContext(drawingOn ?? this.primary)), (img) => img!);
  }

  // ------------------------------------------------------------------ surfaces

  createSurface(id: number, width: number, height: number, format: number, primary: boolean): void {
    if (!surfaceImageFormat(format)) throw new SpiceError(ErrorCode.INCONSISTENT, `surface ${id}: unknown surface format ${format}`);
    const max = this.opts.maxSurfacePixels ?? 64 * 1024 * 1024;
    if (!(width > 0 && height > 0) || width * height > max) {
      throw new SpiceError(width * height > max ? ErrorCode.LIMIT : ErrorCode.INCONSISTENT, `surface ${id}: size ${width}x${height} refused (limit ${max} pixels)`);
    }
    if (primary) {
      const old = this.primary;
      // spice-gtk keeps an existing primary of the same size (and its content).
      if (old && old.width === width && old.height === height) return;
      if (old) this.destroySurface(old.id);
    }
    if (!this.surfaces.has(id) && this.surfaces.size >= (this.opts.maxSurfaces ?? 1024)) {
      throw new SpiceError(ErrorCode.LIMIT, `surface ${id}: more than ${this.opts.maxSurfaces ?? 1024} surfaces`);
    }
    const s = new Surface(id, width, height, format, primary);
    this.surfaces.set(id, s);
    if (primary) this.primaryId = id;
    this.opts.onSurfaceCreated?.(s);
    if (primary) this.invalidate(s, { top: 0, left: 0, bottom: height, right: width });
  }

  destroySurface(id: number): void {
    if (!this.surfaces.delete(id)) return; // not an error for the reference either
    if (this.primaryId === id) this.primaryId = undefined;
    this.opts.onSurfaceDestroyed?.(id);
  }

  private reset(): void {
    const p = this.primary;
    if (p) {
      p.pixels.fill(0);
      this.invalidate(p, { top: 0, left: 0, bottom: p.height, right: p.width });
    }
    this.paletteCache.clear();
  }

  // ------------------------------------------------------------------ helpers

  /** @internal image resolution context for a drawing surface. */
  imageContext(target: Surface | undefined) {
    return {
      imageCache: this.imageCache,
      paletteCache: this.paletteCache,
      decoders: this.decoders,
      paletteTarget: target?.format ?? 'xrgb' as const,
      maxPixels: this.maxImagePixels,
      surface: (id: number) => this.surfaces.get(id),
    };
  }

  /** Resolves images in order, waiting for each asynchronous one before the next. */
  private images(target: Surface, reqs: ImageRequest[]): MaybePromise<(CanvasImage | undefined)[]> {
    const ctx = this.imageContext(target);
    const out: (CanvasImage | undefined)[] = [];
    const step = (i: number): MaybePromise<(CanvasImage | undefined)[]> => {
      for (; i < reqs.length; i++) {
        const r = reqs[i]!;
        if (!r.image) { out.push(undefined); continue; }
        const v = resolveImage(r.image, ctx, r.touch);
        if (isPromise(v)) {
          const next = i + 1;
          return v.then((img) => { out.push(img); return step(next); });
        }
        out.push(v);
      }
      return out;
    };
    return step(0);
  }

  /** Runs `draw` with the resolved images, then reports the damage. */
  private withImages(surf: Surface, reqs: ImageRequest[], box: Rect | null, draw: (imgs: (CanvasImage | undefined)[]) => void): void | Promise<void> {
    const r = then(this.images(surf, reqs), (imgs) => {
      draw(imgs);
      if (box) this.invalidate(surf, box);
    });
    return isPromise(r) ? r.then(() => undefined) : undefined;
  }

  invalidate(surf: Surface, box: Rect): void {
    if (!surf.primary || !this.opts.onInvalidate) return;
    const r = {
      top: Math.max(0, box.top), left: Math.max(0, box.left),
      bottom: Math.min(surf.height, box.bottom), right: Math.min(surf.width, box.right),
    };
    if (r.top < r.bottom && r.left < r.right) this.opts.onInvalidate(surf.id, r);
  }

  /** box ∩ surface ∩ clip. */
  baseRegion(surf: Surface, box: Rect, clip: Clip): Region {
    let r = Region.rect(box.left, box.top, box.right, box.bottom).intersectRect(0, 0, surf.width, surf.height);
    if (clip.type === ClipType.RECTS && clip.rects) {
      r = r.intersect(Region.fromRects(clip.rects.rects.map((c) => [c.left, c.top, c.right, c.bottom] as const)));
    }
    return r;
  }

  /** Intersects `region` with a QMask placed so that mask (pos) lands on (x, y). */
  maskRegion(region: Region, mask: Body, x: number, y: number): Region {
    const image: SpiceImage | null = mask?.bitmap ?? null;
    if (!image) return region;
    const d = image.descriptor;
    const invert = (mask.flags & 1) !== 0;
    let bits: CanvasImage;
    if (d.type === ImageType.SURFACE) {
      bits = this.surface(image.surface_id ?? -1);
    } else if (d.type === ImageType.BITMAP) {
      bits = bitmapToMask(image.bitmap!, false, this.maxImagePixels);
    } else if (d.type === ImageType.FROM_CACHE) {
      bits = this.imageCache.get(d.id);
    } else if (d.type === ImageType.FROM_CACHE_LOSSLESS) {
      bits = this.imageCache.getLossless(d.id);
    } else {
      throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `mask image ${d.id}: type ${d.type} cannot be a mask`);
    }
    if (d.type !== ImageType.SURFACE && (d.flags & 1)) this.imageCache.put(d.id, bits);
    const ext = region.extents();
    if (!ext) return region;
    const offX = x - mask.pos.x, offY = y - mask.pos.y;
    const mx1 = Math.max(ext[0] - offX, 0), my1 = Math.max(ext[1] - offY, 0);
    const mx2 = Math.min(ext[2] - offX, bits.width), my2 = Math.min(ext[3] - offY, bits.height);
    if (mx1 >= mx2 || my1 >= my2) return Region.empty();
    const px = bits.pixels, bw = bits.width;
    const m = Region.fromBits(mx2 - mx1, my2 - my1, mx1 + offX, my1 + offY,
      (bx, by) => ((px[(my1 + by) * bw + mx1 + bx]! >>> 31) === 1) !== invert);
    return region.intersect(m);
  }

  /** The image to draw with: a surface as it is, anything else converted for the surface. */
  drawable(surf: Surface, image: SpiceImage, native: CanvasImage | undefined): CanvasImage {
    if (image.descriptor.type === ImageType.SURFACE) return this.surface(image.surface_id ?? -1);
    if (!native) throw new SpiceError(ErrorCode.INCONSISTENT, `image ${image.descriptor.id} was not resolved`);
    return convertImage(native, targetFormat(surf.format, native.format === 'argb'));
  }

  /** draw_brush of the reference: solid, pattern (tiled from its position) or none, with a ROP. */
  drawBrush(surf: Surface, region: Region, brush: Body, rop: number, pattern: CanvasImage | undefined): void {
    if (region.isEmpty()) return;
    switch (brush.type) {
      case BrushType.SOLID: fillSolid(surf, region, colorForSurface(surf.format, brush.color), rop); return;
      case BrushType.PATTERN: {
        const tile = this.drawable(surf, brush.pattern.pat, pattern);
        fillTiled(surf, region, tile, brush.pattern.pos.x, brush.pattern.pos.y, rop);
        return;
      }
      default: fillSolid(surf, region, 0, rop);
    }
  }

  // ------------------------------------------------------------------ messages

  private copyBits(b: Body): void {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box;
    let region = this.baseRegion(surf, box, b.base.clip);
    const dx = box.left - b.src_pos.x, dy = box.top - b.src_pos.y;
    if (dx !== 0 || dy !== 0) {
      region = region.intersectRect(dx, dy, dx + surf.width, dy + surf.height);
      ops.copyBits(surf, region, dx, dy);
    }
    this.invalidate(surf, box);
  }

  private invalList(b: Body): void {
    for (const r of b.resources as Array<{ type: number; id: bigint }>) {
      if (r.type !== ResourceType.PIXMAP) throw new SpiceError(ErrorCode.INCONSISTENT, `INVAL_LIST: unknown resource type ${r.type}`);
      this.imageCache.remove(r.id);
    }
  }

  private patternReq(brush: Body, touch: boolean): ImageRequest {
    return { image: brush?.type === BrushType.PATTERN ? brush.pattern.pat : null, touch };
  }

  private drawFill(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    let region = this.baseRegion(surf, box, b.base.clip);
    region = this.maskRegion(region, d.mask, box.left, box.top);
    const rop = ops.rop(d.rop_descriptor, 'brush', 'dest');
    const empty = region.isEmpty();
    return this.withImages(surf, [this.patternReq(d.brush, empty)], box, ([pat]) => {
      if (!empty) this.drawBrush(surf, region, d.brush, rop, pat);
    });
  }

  private drawSolidOp(b: Body, color: number, rop: number): void {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box;
    let region = this.baseRegion(surf, box, b.base.clip);
    region = this.maskRegion(region, b.data.mask, box.left, box.top);
    if (!region.isEmpty()) fillSolid(surf, region, colorForSurface(surf.format, color), rop);
    this.invalidate(surf, box);
  }

  private drawCopy(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    let region = this.baseRegion(surf, box, b.base.clip);
    region = this.maskRegion(region, d.mask, box.left, box.top);
    const rop = ops.rop(d.rop_descriptor, 'src', 'dest');
    const empty = region.isEmpty();
    return this.withImages(surf, [{ image: d.src_bitmap, touch: empty }], box, ([img]) => {
      if (empty) return;
      ops.drawImage(this, surf, region, box, d.src_bitmap, img, d.src_area, d.scale_mode, rop);
    });
  }

  private drawOpaque(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    let region = this.baseRegion(surf, box, b.base.clip);
    region = this.maskRegion(region, d.mask, box.left, box.top);
    const rop = ops.rop(d.rop_descriptor, 'brush', 'src');
    const empty = region.isEmpty();
    return this.withImages(surf, [{ image: d.src_bitmap, touch: empty }, this.patternReq(d.brush, empty)], box, ([img, pat]) => {
      if (empty) return;
      ops.drawImage(this, surf, region, box, d.src_bitmap, img, d.src_area, d.scale_mode, Rop.COPY);
      this.drawBrush(surf, region, d.brush, rop, pat);
    });
  }

  private drawTransparent(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    const region = this.baseRegion(surf, box, b.base.clip);
    const empty = region.isEmpty();
    return this.withImages(surf, [{ image: d.src_bitmap, touch: empty }], box, ([img]) => {
      if (!empty) ops.drawTransparent(this, surf, region, box, d, img);
    });
  }

  private drawAlphaBlend(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    const region = this.baseRegion(surf, box, b.base.clip);
    const skip = d.alpha === 0 || region.isEmpty();
    return this.withImages(surf, [{ image: d.src_bitmap, touch: skip }], box, ([img]) => {
      if (!skip) ops.drawAlphaBlend(this, surf, region, box, d, img);
    });
  }

  private drawRop3(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    let region = this.baseRegion(surf, box, b.base.clip);
    region = this.maskRegion(region, d.mask, box.left, box.top);
    return this.withImages(surf, [{ image: d.src_bitmap, touch: false }, this.patternReq(d.brush, false)], box, ([img, pat]) => {
      ops.drawRop3(this, surf, region, box, d, img, pat);
    });
  }

  private drawComposite(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    const region = this.baseRegion(surf, box, b.base.clip);
    const hasMask = (d.flags & CompositeFlags.HAS_MASK) !== 0;
    return this.withImages(surf, [{ image: d.src_bitmap, touch: false }, { image: hasMask ? d.mask_bitmap : null, touch: false }], box, ([src, mask]) => {
      ops.drawComposite(this, surf, region, box, d, src, mask);
    });
  }

  private drawStroke(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    const region = this.baseRegion(surf, box, b.base.clip);
    const empty = region.isEmpty();
    return this.withImages(surf, [this.patternReq(d.brush, empty)], box, ([pat]) => {
      if (!empty) ops.drawStroke(this, surf, region, d, pat);
    });
  }

  private drawText(b: Body): void | Promise<void> {
    const surf = this.surface(b.base.surface_id);
    const box: Rect = b.base.box, d = b.data;
    const region = this.baseRegion(surf, box, b.base.clip);
    const empty = region.isEmpty();
    const ba: Rect = d.back_area;
    const backEmpty = ba.top === ba.bottom || ba.left === ba.right;
    // The reference draws nothing at all when a background is asked with another mode than OP_PUT.
    const refused = !empty && !backEmpty && d.fore_mode !== 8;
    const backDrawn = !empty && !backEmpty && !refused
      && !Region.rect(ba.left, ba.top, ba.right, ba.bottom).intersect(region).isEmpty();
    // An empty drawing area only touches both brushes; a background that is not drawn is not read at all.
    const reqs = refused ? [] : empty ? [this.patternReq(d.back_brush, true), this.patternReq(d.fore_brush, true)]
      : [backDrawn ? this.patternReq(d.back_brush, false) : { image: null, touch: false }, this.patternReq(d.fore_brush, false)];
    return this.withImages(surf, reqs, box, ([back, fore]) => {
      if (empty || refused) return;
      if (backDrawn) this.drawBrush(surf, Region.rect(ba.left, ba.top, ba.right, ba.bottom).intersect(region), d.back_brush, Rop.COPY, back);
      ops.drawText(this, surf, region, d, fore);
    });
  }

  // ------------------------------------------------------------------ streams

  /**
   * Draws a decoded video frame: the top-left srcWidth x srcHeight of `frame`
   * scaled (nearest, as spice-gtk's put_image) into `dest`, clipped by `clip`
   * (stream clip: NONE or RECTS). Bottom-up frames (stream without TOP_DOWN)
   * are flipped. The frame's alpha is ignored.
   */
  drawStreamFrame(surfaceId: number, frame: DecodedImage, srcWidth: number, srcHeight: number, dest: Rect, clip: Clip | null, topDown: boolean): void {
    const surf = this.surface(surfaceId);
    ops.drawStreamFrame(this, surf, frame, srcWidth, srcHeight, dest, clip, topDown);
    this.invalidate(surf, dest);
  }

  /** @internal blit used by the op helpers. */
  blitRaw(surf: Surface, region: Region, img: CanvasImage, ox: number, oy: number, rop: number): void {
    blit(surf, region, img, ox, oy, rop);
  }
}
