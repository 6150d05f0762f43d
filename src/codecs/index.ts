/**
 * Every image codec of spice-ts, assembled into the decoder set the canvas
 * takes. One GLZ dictionary per call: call once per session (all display
 * channels of a session share the dictionary, as the server expects).
 * Pure TypeScript: the browser uses the same set (optionally with its own
 * JPEG decoder).
 */
import type { ImageDecoders } from '../canvas/index.js';
import type { DecodeLimits } from './types.js';
import { decodeQuic } from './quic.js';
import { decodeLz, decodeLzAlphaInto } from './lz.js';
import { GlzDictionary } from './glz.js';
import { decodeZlibGlz } from './inflate.js';
import { decodeLz4Image } from './lz4.js';
import { decodeJpeg } from './jpeg.js';

export interface DecoderSetOptions extends DecodeLimits {
  /** The GLZ window announced to the server (pixels). */
  glzWindowPixels?: number;
  /** How long a GLZ image may wait for a dictionary image still in flight on another channel (ms). */
  glzMaxWaitMs?: number;
  /** Replaces the JPEG decoder (e.g. the browser's own). */
  jpeg?: ImageDecoders['jpeg'];
}

export function defaultDecoders(o: DecoderSetOptions = {}): Required<Omit<ImageDecoders, 'dispose'>> {
  const limits: DecodeLimits = { maxPixels: o.maxPixels };
  const dict = new GlzDictionary({ windowPixels: o.glzWindowPixels, maxWaitMs: o.glzMaxWaitMs, maxPixels: o.maxPixels });
  return {
    quic: (data) => decodeQuic(data, limits),
    lz: (data, palette) => decodeLz(data, { palette, ...limits }),
    glz: (data) => dict.decode(data),
    zlibGlz: (glzSize, data) => decodeZlibGlz(dict, glzSize, data),
    lz4: (data, width, height) => decodeLz4Image(data, width, height, limits),
    jpeg: o.jpeg ?? ((data) => decodeJpeg(data, limits)),
    lzAlphaInto: (data, pixels, width, height, topDown) => decodeLzAlphaInto(data, pixels, width, height, topDown),
  };
}
