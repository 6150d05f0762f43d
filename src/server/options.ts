/**
 * Everything a SPICE server built with createServer() can be told, with the defaults.
 */
import type { ChannelLimits } from '../channel/channel.js';
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
  /** Log lines (connections, refusals, errors). Default: none. */
  log?: (line: string) => void;
}

export const SERVER_DEFAULTS = {
  imageCompression: 'auto_glz' as CompressionName,
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
