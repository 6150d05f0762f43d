/**
 * Turns a rectangle of the source frame into what a display channel sends: a solid
 * fill when the rectangle is one colour, else a SpiceImage compressed with the codec
 * chosen for this rectangle from the server's setting, what the viewer supports and
 * what it prefers (PREFERRED_COMPRESSION), like spice-server:
 *   off           raw 32-bit bitmaps
 *   quic/lz/lz4   that codec (lz4 only when the viewer has the LZ4 capability)
 *   glz           GLZ when the viewer gave a dictionary window, else LZ
 *   auto_glz      QUIC for photo-like rectangles, GLZ (or LZ) for the rest
 *   auto_lz       QUIC for photo-like rectangles, LZ for the rest
 * Rectangles below MIN_COMPRESS_PIXELS go raw: a codec header costs more than it saves.
 */
import { BitmapFlags, BitmapFmt, ImageCompression, ImageType } from '../../protocol/enums/index.js';
import type { SourceFrame } from '../source.js';
import type { Box } from './damage.js';
import type { DisplayStats } from './stats.js';
import { encodeQuic } from '../../codecs/encode/quic-encode.js';
import { encodeLz } from '../../codecs/encode/lz-encode.js';
import { encodeLz4 } from '../../codecs/encode/lz4-encode.js';
import type { GlzEncoder } from '../../codecs/encode/glz-encode.js';
import type { EncodeSource } from '../../codecs/encode/types.js';
import { looksPhotographic } from './classify.js';

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

export const MIN_COMPRESS_PIXELS = 64;

/** What the viewer can decode. */
export interface ViewerImageCaps {
  lz4: boolean;
  /** The viewer's GLZ dictionary (null: no dictionary, GLZ is not used). */
  glz: GlzEncoder | null;
}

export type Encoded =
  | { kind: 'fill'; color: number }
  | { kind: 'image'; image: Record<string, unknown>; codec: string; bytes: number };

let nextImageId = 1;

export function encodeRect(frame: SourceFrame, box: Box, setting: CompressionName, caps: ViewerImageCaps,
  stats?: DisplayStats): Encoded {
  const w = box.x1 - box.x0, h = box.y1 - box.y0;
  const src: EncodeSource = { pixels: frame.pixels, stride: frame.stride, x: box.x0, y: box.y0, width: w, height: h };
  const solid = solidColor(src);
  if (solid !== undefined) {
    if (stats) stats.fills++;
    return { kind: 'fill', color: solid };
  }
  const t0 = stats ? performance.now() : 0;
  const codec = chooseCodec(src, setting, caps);
  const descriptor = { id: BigInt(nextImageId++), type: 0, flags: 0, width: w, height: h };
  let image: Record<string, unknown>;
  let bytes: number;
  switch (codec) {
    case 'quic': {
      const data = encodeQuic(src);
      descriptor.type = ImageType.QUIC;
      image = { descriptor, quic: { data_size: data.length, data } };
      bytes = data.length;
      break;
    }
    case 'lz': {
      const data = encodeLz(src);
      descriptor.type = ImageType.LZ_RGB;
      image = { descriptor, lz_rgb: { data_size: data.length, data } };
      bytes = data.length;
      break;
    }
    case 'glz': {
      const data = caps.glz!.encode(src);
      descriptor.type = ImageType.GLZ_RGB;
      image = { descriptor, lz_rgb: { data_size: data.length, data } };
      bytes = data.length;
      break;
    }
    case 'lz4': {
      const data = encodeLz4(src);
      descriptor.type = ImageType.LZ4;
      image = { descriptor, lz4: { data_size: data.length, data } };
      bytes = data.length;
      break;
    }
    default: {
      const data = rawBitmap(src);
      descriptor.type = ImageType.BITMAP;
      image = {
        descriptor,
        bitmap: { format: BitmapFmt['32BIT'], flags: BitmapFlags.TOP_DOWN, x: w, y: h, stride: w * 4, palette: null, data },
      };
      bytes = data.length;
    }
  }
  if (stats) stats.count(codec, w * h, bytes, performance.now() - t0);
  return { kind: 'image', image, codec, bytes };
}

export function chooseCodec(src: EncodeSource, setting: CompressionName, caps: ViewerImageCaps): string {
  if (setting === 'off' || src.width * src.height < MIN_COMPRESS_PIXELS) return 'raw';
  // An image bigger than the viewer's whole GLZ window cannot be a GLZ image.
  const dictionary = caps.glz && src.width * src.height <= caps.glz.windowPixels ? 'glz' : 'lz';
  switch (setting) {
    case 'quic': return 'quic';
    case 'lz': return 'lz';
    case 'glz': return dictionary;
    case 'lz4': return caps.lz4 ? 'lz4' : 'lz';
    case 'auto_lz': return looksPhotographic(src) ? 'quic' : 'lz';
    case 'auto_glz': return looksPhotographic(src) ? 'quic' : dictionary;
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
  for (let y = 0; y < s.height; y++) {
    const from = (s.y + y) * s.stride + s.x;
    out.set(s.pixels.subarray(from, from + s.width), y * s.width);
  }
  return new Uint8Array(out.buffer);
}
