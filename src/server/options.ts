/**
 * Everything a SPICE server built with createServer() can be told, with the defaults.
 */
import type { ChannelLimits } from '../channel/channel.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { TicketCrypto } from '../protocol/crypto/ticket.js';
import type { DisplaySource } from './source.js';
import type { CompressionName } from './display/image-encoder.js';

export interface ServerOptions {
  source: DisplaySource;
  /** The ticket password viewers must give. Required unless `disableTicketing`. */
  password?: string;
  /** When the password stops working (Date or ms since the epoch); absent: never. */
  passwordExpires?: Date | number;
  /** Accept any ticket (spice-server's disable-ticketing). */
  disableTicketing?: boolean;
  /** Image codec policy ('auto' = auto_glz). Default 'auto_glz'. */
  imageCompression?: CompressionName | 'auto';
  /**
   * Keep repeated pictures in the viewer's pixmap cache and send them as FROM_CACHE
   * (within the cache size the viewer announced). Default true.
   */
  imageCache?: boolean;
  /** Smallest rectangle (width*height) hashed and cached. Default 1024. */
  minCachePixels?: number;
  /** Most of a viewer's announced pixmap cache used, pixels. Default 64 Mi. */
  maxCachePixels?: number;
  /**
   * Lossy JPEG where QUIC would be used (photo-like rectangles under auto_glz/auto_lz,
   * everything under quic), like spice-server's jpeg-wan-compression. Default 'never'.
   */
  jpeg?: 'never' | 'always';
  /** JPEG quality 1..100. Default 85 (spice-server's). */
  jpegQuality?: number;
  /** Smallest rectangle (width*height) sent as JPEG. Default 2304 (48x48). */
  minJpegPixels?: number;
  /** Viewers connected at once (spice-server allows one). Default 16. */
  maxViewers?: number;
  /** Whose input reaches the source: every viewer, or only the one connected longest. Default 'all'. */
  input?: 'all' | 'first';
  /** The mouse mode a new viewer starts in. Default 'client' (absolute positions). */
  mouseMode?: 'client' | 'server';
  /** Channels that must come over TLS (names: 'main', 'display', 'inputs', 'cursor', or 'all'). */
  secureChannels?: string[];
  /** Messages the display channel may send before the viewer acknowledges (SET_ACK window). Default 20. */
  ackWindow?: number;
  /** Bytes queued on a viewer's connection before the server stops encoding for it. Default 4 MiB. */
  maxQueuedBytes?: number;
  /** Shortest gap between two rounds of updates, ms (coalesces bursts of damage). Default 8. */
  updateIntervalMs?: number;
  /** Largest GLZ dictionary window honoured, pixels (a viewer may ask for more). Default 16 Mi. */
  maxGlzWindowPixels?: number;
  /** Largest image sent as one piece, pixels; larger rectangles are cut in bands. Default 4 Mi. */
  maxImagePixels?: number;
  /** How long the display channel waits for the viewer's DISPLAY_INIT, ms. Default 1000. */
  displayInitWaitMs?: number;
  /** Messages a viewer's channel may send per second, on average (bursts of twice that pass). Default 5000. */
  maxMessagesPerSecond?: number;
  /** Limits on what viewers send (message size). Default: 1 MiB messages. */
  limits?: ChannelLimits;
  /** Bad tickets from one address before it is locked out, within `windowMs`. */
  badTickets?: { max?: number; windowMs?: number; lockMs?: number };
  /** The name and UUID viewers may show (MAIN NAME/UUID messages). */
  name?: string;
  uuid?: Uint8Array;
  /** RSA for tickets; the Node adapter passes node:crypto's. */
  crypto?: TicketCrypto;
  /**
   * Run the display pipeline once on a made-up picture when the server starts, so the
   * encoders are compiled before the first viewer's updates (display/warm-up.ts; once per
   * process, a few hundred ms of CPU). Default true.
   */
  warmUp?: boolean;
  /** Log lines (connections, refusals, errors). Default: none. */
  log?: (line: string) => void;
}

export const SERVER_DEFAULTS = {
  imageCompression: 'auto_glz' as CompressionName,
  imageCache: true,
  minCachePixels: 1024,
  maxCachePixels: 64 * 1024 * 1024,
  jpeg: 'never' as const,
  jpegQuality: 85,
  minJpegPixels: 48 * 48,
  maxViewers: 16,
  input: 'all' as const,
  mouseMode: 'client' as const,
  ackWindow: 20,
  maxQueuedBytes: 4 * 1024 * 1024,
  updateIntervalMs: 8,
  maxGlzWindowPixels: 16 * 1024 * 1024,
  maxImagePixels: 4 * 1024 * 1024,
  displayInitWaitMs: 1000,
  maxMessageSize: 1024 * 1024,
  maxMessagesPerSecond: 5000,
  badTickets: { max: 5, windowMs: 60_000, lockMs: 10_000 },
};

/** The display channel's image options, with defaults, checked. */
export interface DisplayImageSettings {
  imageCache: boolean;
  minCachePixels: number;
  maxCachePixels: number;
  jpeg: 'never' | 'always';
  jpegQuality: number;
  minJpegPixels: number;
}

const checked = new WeakMap<ServerOptions, DisplayImageSettings>();

/** Resolves (once per options object) and checks the image options; throws BAD_ARGUMENT. */
export function displayImageSettings(o: ServerOptions): DisplayImageSettings {
  let s = checked.get(o);
  if (s) return s;
  const d = SERVER_DEFAULTS;
  s = {
    imageCache: o.imageCache ?? d.imageCache,
    minCachePixels: o.minCachePixels ?? d.minCachePixels,
    maxCachePixels: o.maxCachePixels ?? d.maxCachePixels,
    jpeg: o.jpeg ?? d.jpeg,
    jpegQuality: o.jpegQuality ?? d.jpegQuality,
    minJpegPixels: o.minJpegPixels ?? d.minJpegPixels,
  };
  const bad = (m: string) => new SpiceError(ErrorCode.BAD_ARGUMENT, m);
  if (s.jpeg !== 'never' && s.jpeg !== 'always') throw bad(`jpeg must be 'never' or 'always', not '${String(s.jpeg)}'`);
  if (!Number.isInteger(s.jpegQuality) || s.jpegQuality < 1 || s.jpegQuality > 100) throw bad(`jpegQuality must be a whole number in 1..100, not ${s.jpegQuality}`);
  for (const k of ['minCachePixels', 'maxCachePixels', 'minJpegPixels'] as const) {
    if (!(Number.isFinite(s[k]) && s[k] >= 0)) throw bad(`${k} must be a number >= 0, not ${s[k]}`);
  }
  checked.set(o, s);
  return s;
}
