/**
 * Turns a rectangle of the source frame into what a display channel sends: a solid
 * fill when the rectangle is one colour, a reference to the viewer's pixmap cache when
 * it sent the same pixels before, else a SpiceImage compressed with the codec chosen
 * for this rectangle from the server's setting, what the viewer supports and what it
 * prefers (PREFERRED_COMPRESSION), like spice-server:
 *   off           raw 32-bit bitmaps
 *   quic/lz/lz4   that codec (lz4 only when the viewer has the LZ4 capability; quic: LZ for
 *                 rectangles too small to be photos)
 *   glz           GLZ when the viewer gave a dictionary window, else LZ
 *   auto_glz      QUIC for photo-like rectangles, GLZ (or LZ) for the rest; with a pixmap
 *                 cache, small images go as LZ where that is smaller (fresh content)
 *   auto_lz       QUIC for photo-like rectangles, LZ for the rest
 * With JPEG allowed (spice-server's jpeg-wan-compression=always), JPEG takes QUIC's
 * place for rectangles of at least `minPixels`. Rectangles below MIN_COMPRESS_PIXELS
 * go raw: a codec header costs more than it saves.
 */
import { BitmapFlags, BitmapFmt, ImageCompression, ImageFlags, ImageType } from '../../protocol/enums/index.js';
import type { SourceFrame } from '../source.js';
import type { Box } from './damage.js';
import type { DisplayStats } from './stats.js';
import { encodeQuic } from '../../codecs/encode/quic-encode.js';
import { encodeLz } from '../../codecs/encode/lz-encode.js';
import { encodeLz4 } from '../../codecs/encode/lz4-encode.js';
import type { GlzEncoder } from '../../codecs/encode/glz-encode.js';
import type { JpegEncoder } from '../../codecs/encode/jpeg-encode.js';
import type { EncodeSource } from '../../codecs/encode/types.js';
import { copyRows } from '../../codecs/encode/copy-rows.js';
import { MIN_PHOTO_PIXELS, looksPhotographic } from './classify.js';
import { rectKey, type PixmapCacheModel } from './image-cache.js';

export type CompressionName = 'off' | 'auto_glz' | 'auto_lz' | 'quic' | 'glz' | 'lz' | 'lz4';

export const COMPRESSION_NAMES: Record<string, CompressionName> = {
  off: 'off', auto: 'auto_glz', auto_glz: 'auto_glz', auto_lz: 'auto_lz',
  quic: 'quic', glz: 'glz', lz: 'lz', lz4: 'lz4',
};

const FROM_WIRE: Record<number, CompressionName> = {
  [ImageCompression.OFF]: 'off', [ImageCompression.AUTO_GLZ]: 'auto_glz', [ImageCompression.AUTO_LZ]: 'auto_lz',
  [ImageCompression.QUIC]: 'quic', [ImageCompression.GLZ]: 'glz', [ImageCompression.LZ]: 'lz', [ImageCompression.LZ4]: 'lz4',
};

/** A PREFERRED_COMPRESSION value as a setting name (undefined for INVALID/unknown). */
export function compressionFromWire(v: number): CompressionName | undefined {
  return FROM_WIRE[v];
}

/**
 * Raw below this: a raw pixel is 4 bytes, an LZ stream has a 28-byte header and at most
 * about 3 bytes a pixel after it, so from 32 pixels on LZ is no bigger and mostly smaller.
 */
export const MIN_COMPRESS_PIXELS = 32;

/** What the viewer can decode. */
export interface ViewerImageCaps {
  lz4: boolean;
  /** The viewer's GLZ dictionary (null: no dictionary, GLZ is not used). */
  glz: GlzEncoder | null;
}

/** Lossy compression allowed: JPEG where QUIC would be used, for rectangles of at least `minPixels`. */
export interface JpegPolicy {
  encoder: JpegEncoder;
  minPixels: number;
}

/** What else encodeRect may use besides the codecs. */
export interface EncodeExtras {
  /** The viewer's pixmap cache (absent: nothing is cached). */
  cache?: PixmapCacheModel | null;
  /** Absent: lossless codecs only. */
  jpeg?: JpegPolicy | null;
  /**
   * A QUIC image may take in the row above its box (see quicTakesRowAbove). Only where
   * re-sending that row cannot reach the viewer ahead of a COPY_BITS that is to move it:
   * the display channel allows it while no copy is queued.
   */
  quicRowAbove?: boolean;
}

export type Encoded =
  | { kind: 'fill'; color: number }
  | {
    kind: 'image'; image: Record<string, unknown>; codec: string; bytes: number;
    /** Cache ids the viewer must drop before it stores this image (send an INVAL_LIST first). */
    evicted?: bigint[];
    /** The frame's box the image holds, when larger than the one asked for (see quicTakesRowAbove). */
    box?: Box;
  };

let nextImageId = 1n;

/** A fresh image id (unique in this process, so never one a viewer still holds). */
export function newImageId(): bigint {
  return nextImageId++;
}

export function encodeRect(frame: SourceFrame, box: Box, setting: CompressionName, caps: ViewerImageCaps,
  stats?: DisplayStats, extras: EncodeExtras = {}): Encoded {
  let w = box.x1 - box.x0, h = box.y1 - box.y0;
  const src: EncodeSource = { pixels: frame.pixels, stride: frame.stride, x: box.x0, y: box.y0, width: w, height: h };
  const solid = solidColor(src);
  if (solid !== undefined) {
    if (stats) stats.fills++;
    return { kind: 'fill', color: solid };
  }
  const jpeg = extras.jpeg ?? null;
  let codec: string | undefined = chooseCodec(src, setting, caps, jpeg);
  let grown: Box | undefined;
  if (codec === 'quic' && extras.quicRowAbove === true && quicTakesRowAbove(src)) {
    src.y--;
    src.height = ++h;
    grown = { x0: box.x0, y0: box.y0 - 1, x1: box.x1, y1: box.y1 };
  }
  const cache = extras.cache && extras.cache.wants(w, h) ? extras.cache : null;
  let key: string | undefined;
  let flags = 0;
  let id: bigint | undefined;
  if (cache) {
    const t0 = stats ? performance.now() : 0;
    key = rectKey(src);
    if (stats) stats.cache.hashMs += performance.now() - t0;
    const hit = cache.lookup(key);
    if (hit) {
      // A lossy copy serves only where a lossy image would be sent anyway.
      if (!hit.lossy || codec === 'jpeg') {
        if (stats) stats.cacheHit(w * h, hit.bytes);
        // spice-server: with JPEG on, lossless entries are asked for as such (a viewer with
        // several display channels then waits for the lossless version).
        const type = jpeg && !hit.lossy ? ImageType.FROM_CACHE_LOSSLESS : ImageType.FROM_CACHE;
        return { kind: 'image', image: { descriptor: { id: hit.id, type, flags: 0, width: w, height: h } }, codec: 'cache', bytes: 0, box: grown };
      }
      // The viewer holds a lossy version: send the lossless one in its place.
      flags = ImageFlags.CACHE_REPLACE_ME;
      id = hit.id;
    }
  }
  const t0 = stats ? performance.now() : 0;
  // With a pixmap cache the viewer gets repeated pictures from it: a small GLZ image that
  // gains nothing from the dictionary may then go as LZ (without one, the dictionary is
  // what finds repeats, so GLZ stays).
  const { image, bytes, used } = encodeImage(src, codec, caps, jpeg, setting === 'auto_glz' && !!extras.cache);
  codec = used;
  const descriptor = image.descriptor as { id: bigint; flags: number };
  if (stats) stats.count(codec, w * h, bytes, performance.now() - t0);
  let evicted: bigint[] | undefined;
  if (id !== undefined) {
    // CACHE_REPLACE_ME: the viewer keeps the entry's place and size; only its quality changes.
    const entry = cache!.lookup(key!)!;
    entry.lossy = false;
    entry.bytes = bytes;
    if (stats) stats.cache.replaced++;
  } else if (cache) {
    const added = cache.add(key!, w, h, codec === 'jpeg', bytes);
    if (added) {
      id = added.entry.id;
      flags = ImageFlags.CACHE_ME;
      if (added.evicted.length) evicted = added.evicted;
      if (stats) { stats.cache.stored++; stats.cache.evicted += added.evicted.length; }
    }
  }
  descriptor.id = id ?? newImageId();
  descriptor.flags = flags;
  return { kind: 'image', image, codec, bytes, evicted, box: grown };
}

/** Two neighbours differ by at most this in every channel: a gradual step (classify.ts's measure). */
const GRADUAL_STEP = 24;

/**
 * Whether a QUIC image of `src` comes out smaller with the frame's row above it taken in:
 * when that row is one colour and the box's own first row is drawn (flat runs and sharp
 * edges, such as a line of text trimmed to its glyphs' rows), not one colour and not
 * photo-like. QUIC codes an image's first row from left neighbours only, with a model
 * that has seen nothing yet: a row of one colour costs a few bits there and gives a drawn
 * row a row above to predict from (~4 % fewer bytes for a line of text), while a smooth
 * row is better predicted from its left neighbours than from an unrelated row (a photo
 * strip 4 rows high would grow ~18 %). The row is the frame's current content, so
 * sending it again is right, except ahead of a queued copy that is to move it (whether
 * one is queued is the caller's to say: EncodeExtras.quicRowAbove).
 */
export function quicTakesRowAbove(src: EncodeSource): boolean {
  if (src.y <= 0) return false;
  const p = src.pixels, above = (src.y - 1) * src.stride + src.x, end = above + src.width;
  const c = p[above]! & 0xffffff;
  for (let i = above + 1; i < end; i++) if ((p[i]! & 0xffffff) !== c) return false;
  const first = above + src.stride, last = first + src.width - 1;
  let differs = (p[first]! & 0xffffff) !== c, gradual = 0, sharp = 0;
  for (let i = first; i < last; i++) {
    const a = p[i]!, b = p[i + 1]!;
    if (((b & 0xffffff) ^ c) !== 0) differs = true;
    if (((a ^ b) & 0xffffff) === 0) continue;
    if (Math.abs(((a >>> 16) & 255) - ((b >>> 16) & 255)) <= GRADUAL_STEP && Math.abs(((a >>> 8) & 255) - ((b >>> 8) & 255)) <= GRADUAL_STEP
      && Math.abs((a & 255) - (b & 255)) <= GRADUAL_STEP) gradual++;
    else sharp++;
  }
  return differs && gradual <= sharp;
}

/** The codec for a rectangle that is not one colour. */
export function chooseCodec(src: EncodeSource, setting: CompressionName, caps: ViewerImageCaps, jpeg: JpegPolicy | null = null): string {
  if (setting === 'off' || src.width * src.height < MIN_COMPRESS_PIXELS) return 'raw';
  // An image bigger than the viewer's whole GLZ window cannot be a GLZ image.
  const dictionary = caps.glz && src.width * src.height <= caps.glz.windowPixels ? 'glz' : 'lz';
  // Where spice-server would use QUIC it uses JPEG when lossy compression is allowed.
  const photo = jpeg && src.width * src.height >= jpeg.minPixels ? 'jpeg' : 'quic';
  switch (setting) {
    // QUIC's adaptive model needs a few thousand pixels to pay off: a small drawn
    // rectangle (a few glyphs) takes a third of the bytes as LZ.
    case 'quic': return src.width * src.height < MIN_PHOTO_PIXELS ? 'lz' : photo;
    case 'lz': return 'lz';
    case 'glz': return dictionary;
    case 'lz4': return caps.lz4 ? 'lz4' : 'lz';
    case 'auto_lz': return looksPhotographic(src) ? photo : 'lz';
    case 'auto_glz': return looksPhotographic(src) ? photo : dictionary;
  }
}

/**
 * Under auto_glz, images below this many pixels that refer to no earlier image go as LZ
 * (GLZ's matches cost a byte more); larger ones stay in the dictionary for later images.
 */
export const GLZ_KEEP_PIXELS = 65536;
const LZ_DIRECT_PIXELS = 4096;

/** `glzOrLz`: a small GLZ image that gains nothing from the dictionary may go as LZ (`used` says). */
function encodeImage(src: EncodeSource, codec: string, caps: ViewerImageCaps, jpeg: JpegPolicy | null, glzOrLz = false):
  { image: Record<string, unknown>; bytes: number; used: string } {
  const { width, height } = src;
  const descriptor = { id: 0n, type: 0, flags: 0, width, height };
  let data: Uint8Array;
  switch (codec) {
    case 'quic':
      data = encodeQuic(src);
      descriptor.type = ImageType.QUIC;
      return { image: { descriptor, quic: { data_size: data.length, data } }, bytes: data.length, used: codec };
    case 'jpeg':
      data = jpeg!.encoder.encode(src);
      descriptor.type = ImageType.JPEG;
      return { image: { descriptor, jpeg: { data_size: data.length, data } }, bytes: data.length, used: codec };
    case 'lz':
      data = encodeLz(src);
      descriptor.type = ImageType.LZ_RGB;
      return { image: { descriptor, lz_rgb: { data_size: data.length, data } }, bytes: data.length, used: codec };
    case 'glz': {
      // Below LZ_DIRECT_PIXELS the LZ form wins practically always: no GLZ try.
      const r = !glzOrLz ? { data: caps.glz!.encode(src), glz: true }
        : src.width * src.height < LZ_DIRECT_PIXELS ? { data: encodeLz(src), glz: false }
          : caps.glz!.encodeOrLz(src, GLZ_KEEP_PIXELS);
      data = r.data;
      descriptor.type = r.glz ? ImageType.GLZ_RGB : ImageType.LZ_RGB;
      return { image: { descriptor, lz_rgb: { data_size: data.length, data } }, bytes: data.length, used: r.glz ? 'glz' : 'lz' };
    }
    case 'lz4':
      data = encodeLz4(src);
      descriptor.type = ImageType.LZ4;
      return { image: { descriptor, lz4: { data_size: data.length, data } }, bytes: data.length, used: codec };
    default:
      data = rawBitmap(src);
      descriptor.type = ImageType.BITMAP;
      return {
        image: {
          descriptor,
          bitmap: { format: BitmapFmt['32BIT'], flags: BitmapFlags.TOP_DOWN, x: width, y: height, stride: width * 4, palette: null, data },
        },
        bytes: data.length,
        used: 'raw',
      };
  }
}

function solidColor(s: EncodeSource): number | undefined {
  const p = s.pixels;
  const c = p[s.y * s.stride + s.x]! & 0xffffff;
  for (let y = 0; y < s.height; y++) {
    let i = (s.y + y) * s.stride + s.x;
    const end = i + s.width;
    for (; i < end; i++) if ((p[i]! & 0xffffff) !== c) return undefined;
  }
  return c;
}

/** A 32-bit top-down bitmap: B,G,R,X bytes, which is the words' little-endian memory layout. */
function rawBitmap(s: EncodeSource): Uint8Array {
  const out = new Uint32Array(s.width * s.height);
  copyRows(s.pixels, s.y * s.stride + s.x, s.stride, s.width, s.height, out, 0);
  return new Uint8Array(out.buffer);
}
