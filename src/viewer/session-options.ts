/**
 * How SpiceViewer opens a SpiceSession in a browser: one WebSocket per channel to the URL
 * (unless the page gives its own opener), the other images decoded in a worker (unless
 * `decodeWorker: false`), JPEG and MJPEG through the browser's decoder,
 * VP8/VP9/H.264/H.265 video streams through WebCodecs where the browser has them, the ticket
 * encrypted with WebCrypto (or the fallback), and the caller's session options.
 */
import type { SessionOptions } from '../client/session.js';
import { defaultDecoders } from '../codecs/index.js';
import { sessionDecoders } from './worker-decoders.js';
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
    decoders: (shared) => {
      const o = { glzWindowPixels: shared.glzWindowPixels, maxPixels: shared.maxImagePixels, jpeg: jpeg ? (d: Uint8Array) => jpeg.decode(d) : undefined };
      if (options.decodeWorker === false || typeof Worker === 'undefined') return defaultDecoders(o);
      // decode-worker.js sits next to the bundle this code is in (dist/viewer).
      return sessionDecoders({ ...o, url: options.decodeWorker ?? new URL('./decode-worker.js', import.meta.url) });
    },
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
