/**
 * SPICE images (the `Image` structure) to canvas images, with the reference
 * client's cache and palette semantics:
 *
 * - CACHE_ME stores the decoded image under descriptor.id (lossy for JPEG and
 *   JPEG_ALPHA), FROM_CACHE reads it back, FROM_CACHE_LOSSLESS insists on a
 *   lossless entry, CACHE_REPLACE_ME replaces a lossy entry (and is an error
 *   on a lossy image);
 * - PAL_CACHE_ME stores a bitmap's or LZ_PLT's palette, PAL_FROM_CACHE reads it;
 * - HIGH_BITS_SET sets the X byte of a freshly decoded x8r8g8b8 image to 0xFF;
 * - an image that is not drawn is still decoded when it must be cached or
 *   when it feeds the GLZ dictionary ("touch").
 *
 * Compressed payloads go to the injected decoders; a missing one is an
 * UNSUPPORTED error naming the image type. Decoders may answer with a
 * Promise (JPEG, GLZ): then so does resolveImage.
 */
import { BitmapFlags, ImageFlags, ImageType } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { Image } from '../protocol/schema/structs.js';
import type { DecodedImage } from '../codecs/types.js';
import { bitmapToImage, isPaletteFormat } from './bitmap.js';
import type { ImageCache, PaletteCache } from './caches.js';
import type { CanvasImage, ImageFormat } from './types.js';

export type SpiceImage = Image;

/** The decoders the canvas hands compressed images to (see src/codecs). */
export interface ImageDecoders {
  // Any decoder may answer later (a promise): the browser viewer decodes in a worker.
  quic?(data: Uint8Array): DecodedImage | Promise<DecodedImage>;
  /** LZ_RGB and LZ_PLT (with the palette, entries as the canvas expanded them). */
  lz?(data: Uint8Array, palette?: Uint32Array): DecodedImage | Promise<DecodedImage>;
  /** GLZ_RGB (the session's dictionary lives in the decoder). */
  glz?(data: Uint8Array): DecodedImage | Promise<DecodedImage>;
  zlibGlz?(glzSize: number, data: Uint8Array): DecodedImage | Promise<DecodedImage>;
  lz4?(data: Uint8Array, width: number, height: number): DecodedImage | Promise<DecodedImage>;
  jpeg?(data: Uint8Array): DecodedImage | Promise<DecodedImage>;
  /** JPEG_ALPHA's alpha stream: writes each pixel's alpha into the top byte of `pixels` (top-down). */
  /** `topDown`: the JPEG_ALPHA's TOP_DOWN flag, which the alpha stream must agree with. */
  lzAlphaInto?(data: Uint8Array, pixels: Uint32Array, width: number, height: number, topDown?: boolean): void;
  /** Releases what the decoders hold (the viewer's decoding worker) when the session ends. */
  dispose?(): void;
}

export interface ImageContext {
  imageCache: ImageCache;
  paletteCache: PaletteCache;
  decoders: ImageDecoders;
  /** The format palettes are expanded for: the drawing surface's storage format. */
  paletteTarget: ImageFormat;
  /** Largest image (width*height) accepted. */
  maxPixels: number;
  /** Looks up a surface for images of type SURFACE. */
  surface?(id: number): CanvasImage | undefined;
}

export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown })?.then === 'function';
}

/** f(v) now when v is ready, else after it resolves. */
export function then<T, U>(v: MaybePromise<T>, f: (x: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(v) ? v.then(f) : f(v);
}

const typeName = (t: number): string => Object.entries(ImageType).find(([, v]) => v === t)?.[0] ?? String(t);

function isLossyType(t: number): boolean {
  return t === ImageType.JPEG || t === ImageType.JPEG_ALPHA;
}

/** True when the image must be decoded even if nothing is drawn with it. */
export function mustTouch(image: SpiceImage): boolean {
  const d = image.descriptor;
  if (d.flags & (ImageFlags.CACHE_ME | ImageFlags.CACHE_REPLACE_ME)) return true;
  if (d.type === ImageType.GLZ_RGB || d.type === ImageType.ZLIB_GLZ_RGB) return true;
  if (d.type === ImageType.BITMAP) return !!image.bitmap?.palette && (image.bitmap.flags & BitmapFlags.PAL_CACHE_ME) !== 0;
  if (d.type === ImageType.LZ_PLT) return !!image.lz_plt?.palette && (image.lz_plt.flags & BitmapFlags.PAL_CACHE_ME) !== 0;
  return false;
}

function missing(t: number): never {
  throw new SpiceError(ErrorCode.UNSUPPORTED, `no decoder for ${typeName(t)} images was given to the canvas`);
}

function fromDecoded(d: DecodedImage, what: string, ctx: ImageContext): CanvasImage {
  if (!d || !(d.pixels instanceof Uint32Array) || d.pixels.length < d.width * d.height) {
    throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `${what}: the decoder returned no usable pixels`);
  }
  if (d.width * d.height > ctx.maxPixels) throw new SpiceError(ErrorCode.LIMIT, `${what}: ${d.width}x${d.height} is over the limit`);
  return { width: d.width, height: d.height, pixels: d.pixels, format: d.format };
}

function checkDims(img: CanvasImage, image: SpiceImage): CanvasImage {
  const d = image.descriptor;
  if (img.width !== d.width || img.height !== d.height) {
    throw new SpiceError(ErrorCode.CORRUPT_IMAGE,
      `${typeName(d.type)} image ${d.id}: decoded ${img.width}x${img.height}, descriptor says ${d.width}x${d.height}`);
  }
  return img;
}

type PalSource = { flags: number; palette_id?: bigint; palette?: { unique: bigint; num_ents: number; ents: number[] } | null };

/** The palette of a bitmap or LZ_PLT image, caching it when asked. */
function getPalette(p: PalSource, ctx: ImageContext): Uint32Array | null {
  if (p.flags & BitmapFlags.PAL_FROM_CACHE) return ctx.paletteCache.get(p.palette_id ?? 0n);
  if (!p.palette) return null;
  const ents = Uint32Array.from(p.palette.ents);
  if (p.flags & BitmapFlags.PAL_CACHE_ME) ctx.paletteCache.put(p.palette.unique, ents);
  return ents;
}

/** Decodes without cache side effects; the native format of the image. */
function decode(image: SpiceImage, ctx: ImageContext): MaybePromise<CanvasImage> {
  const d = image.descriptor, dec = ctx.decoders, t = d.type;
  const name = `${typeName(t)} image ${d.id}`;
  if (d.width * d.height > ctx.maxPixels) {
    throw new SpiceError(ErrorCode.LIMIT, `${name}: ${d.width}x${d.height} is over the limit of ${ctx.maxPixels} pixels`);
  }
  switch (t) {
    case ImageType.BITMAP: {
      const bm = image.bitmap;
      if (!bm) throw new SpiceError(ErrorCode.INCONSISTENT, `${name}: no bitmap data`);
      const pal = getPalette(bm, ctx);
      if (isPaletteFormat(bm.format) && !pal) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `${name}: palette bitmap without a palette`);
      return bitmapToImage(bm, pal, ctx.paletteTarget, ctx.maxPixels);
    }
    case ImageType.QUIC:
      if (!dec.quic) missing(t);
      return then(dec.quic(image.quic!.data), (r) => checkDims(fromDecoded(r, name, ctx), image));
    case ImageType.LZ_RGB:
      if (!dec.lz) missing(t);
      return then(dec.lz(image.lz_rgb!.data), (r) => checkDims(fromDecoded(r, name, ctx), image));
    case ImageType.LZ_PLT: {
      if (!dec.lz) missing(t);
      const plt = image.lz_plt!;
      let pal = getPalette(plt, ctx);
      if (!pal) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `${name}: LZ_PLT without a palette`);
      // The LZ decoder outputs 32-bit pixels: on 16_555 surfaces the entries are x1r5g5b5 values.
      if (ctx.paletteTarget === 'rgb555') {
        pal = pal.map((c) => (((c & 0x1f) << 3) | ((c & 0x1c) >> 2) | ((c & 0x3e0) << 6) | ((c & 0x380) << 1)
          | ((c & 0x7c00) << 9) | ((c & 0x7000) << 4)) >>> 0);
      } else if (ctx.paletteTarget !== 'xrgb' && ctx.paletteTarget !== 'argb') {
        throw new SpiceError(ErrorCode.UNSUPPORTED, `${name}: LZ_PLT cannot be drawn on a ${ctx.paletteTarget} surface`);
      }
      return then(dec.lz(plt.data, pal), (r) => checkDims(fromDecoded(r, name, ctx), image));
    }
    case ImageType.GLZ_RGB:
      if (!dec.glz) missing(t);
      return then(dec.glz(image.lz_rgb!.data), (r) => checkDims(fromDecoded(r, name, ctx), image));
    case ImageType.ZLIB_GLZ_RGB:
      if (!dec.zlibGlz) missing(t);
      return then(dec.zlibGlz(image.zlib_glz!.glz_data_size, image.zlib_glz!.data), (r) => checkDims(fromDecoded(r, name, ctx), image));
    case ImageType.LZ4:
      if (!dec.lz4) missing(t);
      return then(dec.lz4(image.lz4!.data, d.width, d.height), (r) => checkDims(fromDecoded(r, name, ctx), image));
    case ImageType.JPEG:
      if (!dec.jpeg) missing(t);
      return then(dec.jpeg(image.jpeg!.data), (r) => checkDims(fromDecoded(r, name, ctx), image));
    case ImageType.JPEG_ALPHA: {
      const ja = image.jpeg_alpha!;
      if (!dec.jpeg) missing(t);
      if (!dec.lzAlphaInto) missing(t);
      const alphaInto = dec.lzAlphaInto;
      if (ja.jpeg_size > ja.data.length) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `${name}: jpeg_size ${ja.jpeg_size} is past the data (${ja.data.length})`);
      return then(dec.jpeg(ja.data.subarray(0, ja.jpeg_size)), (r) => {
        const rgb = checkDims(fromDecoded(r, name, ctx), image);
        const px = new Uint32Array(rgb.width * rgb.height);
        for (let i = 0; i < px.length; i++) px[i] = rgb.pixels[i]! & 0xffffff;
        alphaInto(ja.data.subarray(ja.jpeg_size), px, rgb.width, rgb.height, (ja.flags & 1) !== 0);
        return { width: rgb.width, height: rgb.height, pixels: px, format: 'argb' as const };
      });
    }
    case ImageType.FROM_CACHE:
      return ctx.imageCache.lookup(d.id, false);
    case ImageType.FROM_CACHE_LOSSLESS:
      return ctx.imageCache.lookup(d.id, true);
    case ImageType.SURFACE: {
      const s = ctx.surface?.(image.surface_id ?? -1);
      if (!s) throw new SpiceError(ErrorCode.INCONSISTENT, `${name}: surface ${image.surface_id} does not exist`);
      return s;
    }
    default:
      throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `image ${d.id}: unknown image type ${t}`);
  }
}

/**
 * Resolves an image to its native canvas image, applying the cache and
 * palette flags. With `touch`, an image that needs no decoding for cache or
 * dictionary reasons is skipped (undefined).
 */
export function resolveImage(image: SpiceImage, ctx: ImageContext, touch = false): MaybePromise<CanvasImage | undefined> {
  if (touch && !mustTouch(image)) return undefined;
  const d = image.descriptor;
  return then(decode(image, ctx), (img) => {
    const fromCache = d.type === ImageType.FROM_CACHE || d.type === ImageType.FROM_CACHE_LOSSLESS;
    if ((d.flags & ImageFlags.HIGH_BITS_SET) && !fromCache && d.type !== ImageType.SURFACE && img.format === 'xrgb') {
      const px = img.pixels;
      for (let i = 0; i < px.length; i++) px[i] = (px[i]! | 0xff000000) >>> 0;
    }
    if (!fromCache && d.type !== ImageType.SURFACE) {
      if (d.flags & ImageFlags.CACHE_ME) {
        ctx.imageCache.put(d.id, img, isLossyType(d.type));
      } else if (d.flags & ImageFlags.CACHE_REPLACE_ME) {
        if (isLossyType(d.type)) throw new SpiceError(ErrorCode.INCONSISTENT, `image ${d.id}: CACHE_REPLACE_ME with a lossy ${typeName(d.type)} image`);
        ctx.imageCache.replaceLossy(d.id, img);
      }
    }
    return img;
  });
}
