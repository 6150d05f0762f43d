/**
 * Loads whatever image decoders src/codecs provides at run time (the codec
 * modules are written alongside the canvas; a missing one leaves that
 * decoder out, so tests can say what they skip and why).
 */
import type { ImageDecoders } from '../../src/canvas/index.js';

export interface LoadedDecoders {
  decoders: ImageDecoders;
  /** Why a decoder is missing, by decoder name. */
  missing: Record<string, string>;
}

async function tryImport(rel: string): Promise<Record<string, unknown> | string> {
  try {
    return (await import(new URL(rel, import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export async function loadDecoders(): Promise<LoadedDecoders> {
  const missing: Record<string, string> = {};
  const all = await tryImport('../../src/codecs/index.js');
  if (typeof all !== 'string' && typeof all.defaultDecoders === 'function') {
    return { decoders: (all.defaultDecoders as () => ImageDecoders)(), missing };
  }
  const decoders: ImageDecoders = {};
  const lz = await tryImport('../../src/codecs/lz.js');
  if (typeof lz === 'string') missing.lz = lz;
  else {
    const decodeLz = lz.decodeLz as (d: Uint8Array, o?: object) => ReturnType<NonNullable<ImageDecoders['lz']>>;
    decoders.lz = (d, palette) => decodeLz(d, { palette });
    if (typeof lz.decodeLzAlphaInto === 'function') decoders.lzAlphaInto = lz.decodeLzAlphaInto as NonNullable<ImageDecoders['lzAlphaInto']>;
  }
  const jpeg = await tryImport('../../src/codecs/jpeg.js');
  if (typeof jpeg === 'string') missing.jpeg = jpeg;
  else decoders.jpeg = (d) => (jpeg.decodeJpeg as NonNullable<ImageDecoders['jpeg']>)(d);
  const quic = await tryImport('../../src/codecs/quic.js');
  if (typeof quic === 'string') missing.quic = quic;
  else decoders.quic = (d) => (quic.decodeQuic as NonNullable<ImageDecoders['quic']>)(d);
  return { decoders, missing };
}
