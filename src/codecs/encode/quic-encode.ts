/**
 * QUIC image encoder (SPICE image type QUIC): the bytes of SpiceQUICData.data
 * for a rectangle of 0xAARRGGBB pixels, as spice-server writes them for a
 * 32-bit surface: type RGB32 (alpha ignored) or RGBA. The stream is the one
 * quic.ts decodes: five little-endian u32 (magic "QUIC", version 0, type,
 * width, height), then the MSB-first bit stream in little-endian 32-bit
 * words, ended as the reference encoder ends it. Row coding is in
 * quic-encode-rows.ts.
 */
import { QUIC_MAGIC } from '../quic.js';
import { checkSource, type EncodeSource } from './types.js';
import { QuicRowEncoder } from './quic-encode-rows.js';

export interface QuicEncodeOptions {
  /** Code the alpha byte too (QUIC type RGBA) instead of RGB32. */
  alpha?: boolean;
}

/** QUIC header type numbers. */
const TYPE_RGB32 = 4;
const TYPE_RGBA = 5;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** Work buffers larger than this (bytes) are dropped after the image that needed them. */
const RETAIN_BYTES = 16 << 20;

/**
 * A reusable encoder: its model tables, residual rows and output buffer are
 * kept (and grown) between images, so encoding many rectangles allocates
 * little beyond each result. Not reentrant; one per thread of work.
 */
export class QuicEncoder {
  private readonly rows = new QuicRowEncoder();

  /** Encodes `src` and returns a copy of the stream, owned by the caller. */
  encode(src: EncodeSource, opts: QuicEncodeOptions = {}): Uint8Array {
    const view = this.encodeView(src, opts);
    const copy = view.slice();
    if (this.rows.out.byteLength > RETAIN_BYTES) this.rows.out = new Int32Array(0);
    return copy;
  }

  /**
   * Encodes `src` into the encoder's own buffer and returns a view of it,
   * valid until the next call on this encoder (saves a copy when the caller
   * writes the bytes out at once).
   */
  encodeView(src: EncodeSource, opts: QuicEncodeOptions = {}): Uint8Array {
    checkSource(src);
    const { x, y, width, height, stride } = src;
    if (!(Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(width) && Number.isInteger(height)
      && Number.isInteger(stride))) {
      throw new RangeError(`encode rectangle ${width}x${height}+${x}+${y} (stride ${stride}) is not in whole pixels`);
    }
    const alpha = opts.alpha === true;
    const r = this.rows;
    const px = new Int32Array(src.pixels.buffer, src.pixels.byteOffset, src.pixels.length);
    // A first guess at the output size (desktop content codes in well under
    // 16 bits a pixel; the 64 words hold the header); every row makes room
    // for its worst case first.
    r.begin(width, Math.min(((width * height) >>> 1) + 64, 1 << 22));
    r.put32(QUIC_MAGIC);
    r.put32(0);
    r.put32(alpha ? TYPE_RGBA : TYPE_RGB32);
    r.put32(width);
    r.put32(height);
    let ro = y * stride + x;
    for (let row = 0; row < height; row++, ro += stride) {
      r.reserveRow(width);
      // Pixel 0's context is the residual of pixel 0 of the row above.
      if (row) r.carry(0, alpha ? 4 : 3);
      r.rgbRow(row === 0, px, ro, ro - stride);
      if (alpha) r.alphaRow(row === 0, px, ro, ro - stride);
    }
    const words = r.finish();
    const bytes = new Uint8Array(r.out.buffer, 0, words * 4);
    if (!LITTLE_ENDIAN) {
      const dv = new DataView(r.out.buffer);
      for (let k = 0; k < words; k++) dv.setInt32(k * 4, r.out[k]!, true);
    }
    return bytes;
  }
}

// One encoder shared by encodeQuic: encoding is synchronous, so no two
// calls can interleave.
const shared = new QuicEncoder();

/** Encodes a rectangle of 0xAARRGGBB pixels as a QUIC image (RGB32, or RGBA with `alpha`). */
export function encodeQuic(src: EncodeSource, opts: QuicEncodeOptions = {}): Uint8Array {
  return shared.encode(src, opts);
}
