/**
 * JPEG decoding with the browser's own decoder (createImageBitmap + OffscreenCanvas),
 * behind the same JpegDecoder interface as the pure TypeScript decoder. Browsers decode
 * JPEG in native code, several times faster than JavaScript; their pixels may differ from
 * libjpeg-turbo's by a few levels (other IDCT/upsampling choices), which is fine for
 * display.
 *
 * Only structural types are used here, so the file compiles without the DOM library and
 * runs (returning undefined from browserJpegDecoder) in Node.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DecodedImage } from './types.js';
import type { JpegDecoder } from './jpeg.js';
import { readJpegSize } from './jpeg-frame.js';

interface BitmapLike {
  readonly width: number;
  readonly height: number;
  close(): void;
}
interface Context2DLike {
  drawImage(image: BitmapLike, dx: number, dy: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): { data: Uint8ClampedArray };
  clearRect(x: number, y: number, w: number, h: number): void;
}
interface OffscreenCanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d', options?: Record<string, unknown>): Context2DLike | null;
}
interface BrowserGlobals {
  createImageBitmap?: (image: unknown, options?: Record<string, unknown>) => Promise<BitmapLike>;
  OffscreenCanvas?: new (width: number, height: number) => OffscreenCanvasLike;
  Blob?: new (parts: unknown[], options?: { type?: string }) => unknown;
}

/**
 * The browser's JPEG decoder, or undefined where createImageBitmap/OffscreenCanvas are
 * missing (Node, old browsers). The image size is read from the JPEG header and checked
 * against `maxPixels` before the browser is asked to decode.
 */
export function browserJpegDecoder(limits: DecodeLimits = {}): JpegDecoder | undefined {
  const g = globalThis as unknown as BrowserGlobals;
  const createImageBitmap = g.createImageBitmap;
  const Canvas = g.OffscreenCanvas;
  const BlobCtor = g.Blob;
  if (typeof createImageBitmap !== 'function' || typeof Canvas !== 'function' || typeof BlobCtor !== 'function') return undefined;
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  let canvas: OffscreenCanvasLike | undefined;
  let ctx: Context2DLike | undefined;

  return {
    async decode(data: Uint8Array): Promise<DecodedImage> {
      const { width, height } = readJpegSize(data);
      if (width * height > maxPixels) throw new SpiceError(ErrorCode.LIMIT, `JPEG: ${width}x${height} is over the limit of ${maxPixels} pixels`);
      let bitmap: BitmapLike;
      try {
        const blob = new BlobCtor([data], { type: 'image/jpeg' });
        bitmap = await createImageBitmap.call(globalThis, blob, {
          colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'none',
        });
      } catch (e) {
        throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `JPEG: the browser could not decode the image (${e instanceof Error ? e.message : String(e)})`, { cause: e });
      }
      try {
        if (bitmap.width !== width || bitmap.height !== height) {
          throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `JPEG: the browser decoded ${bitmap.width}x${bitmap.height}, the header says ${width}x${height}`);
        }
        if (!canvas || !ctx || canvas.width < width || canvas.height < height) {
          canvas = new Canvas(Math.max(width, canvas?.width ?? 0), Math.max(height, canvas?.height ?? 0));
          ctx = canvas.getContext('2d', { willReadFrequently: true }) ?? undefined;
          if (!ctx) throw new SpiceError(ErrorCode.UNSUPPORTED, 'JPEG: no 2D context on OffscreenCanvas');
        }
        ctx.clearRect(0, 0, width, height);
        ctx.drawImage(bitmap, 0, 0);
        const rgba = ctx.getImageData(0, 0, width, height).data;
        // R,G,B,A bytes -> 0xFFRRGGBB words.
        const src = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
        const pixels = new Uint32Array(width * height);
        for (let i = 0; i < pixels.length; i++) {
          const v = src[i];
          pixels[i] = (0xff000000 | ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff)) >>> 0;
        }
        return { width, height, pixels, format: 'xrgb' };
      } finally {
        bitmap.close();
      }
    },
  };
}
