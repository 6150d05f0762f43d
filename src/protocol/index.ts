/**
 * The protocol core, browser-safe: every message as data, the one reader and
 * writer, link-stage messages, enums and capabilities, errors.
 */
export * from './errors.js';
export * from './enums/index.js';
export { channels, channelByType, channelName } from './schema/channels.js';
export type { ChannelName, ChannelDef, ServerMessage, ClientMessage } from './schema/channels.js';
export { decodeMessage, encodeMessage, encodeMessageInto, messageType } from './messages.js';
export type { AnyMessage, Direction } from './messages.js';
export * from './link/messages.js';
export { webTicketCrypto } from './crypto/ticket.js';
export type { TicketCrypto } from './crypto/ticket.js';
