/**
 * How SpiceViewer opens a SpiceSession in a browser: one WebSocket per channel to the URL
 * (unless the page gives its own opener), JPEG and MJPEG through the browser's decoder,
 * VP8/VP9/H.264/H.265 video streams through WebCodecs where the browser has them, the ticket
 * encrypted with WebCrypto (or the fallback), and the caller's session options.
 */
import type { SessionOptions } from '../client/session.js';
import { defaultDecoders } from '../codecs/index.js';
import { browserJpegDecoder } from '../codecs/jpeg-browser.js';
import { browserTicketCrypto } from './ticket-fallback.js';
import { webCodecsStreamDecoders } from './video-decoder.js';
import { webSocketOpener } from './ws-transport.js';
import type { ConnectOptions, SpiceViewerOptions } from './viewer.js';

export function browserSessionOptions(options: SpiceViewerOptions, target: ConnectOptions): SessionOptions {
  const opener = options.opener?.(target.url) ?? webSocketOpener(target.url, { timeoutMs: options.timeoutMs });
  const jpeg = options.browserJpeg === false ? undefined : browserJpegDecoder();
  const maxPixels = options.session?.maxImagePixels;
  return {
    decoders: (shared) => defaultDecoders({
      glzWindowPixels: shared.glzWindowPixels, maxPixels: shared.maxImagePixels,
      jpeg: jpeg ? (d) => jpeg.decode(d) : undefined,
    }),
    streamDecoder: jpeg ? () => browserJpegDecoder({ maxPixels })! : undefined,
    streamDecoders: webCodecsStreamDecoders({ maxPixels }),
    crypto: browserTicketCrypto(),
    timeoutMs: options.timeoutMs,
    mouseMode: options.mouseMode ?? 'client',
    ...options.session,
    ...opener,
    password: target.password ?? '',
  };
}
