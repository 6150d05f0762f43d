/**
 * spice-ts, browser-safe part: the protocol core, the sans-I/O channel, the
 * client session (bring your own transport: `open(tls)`), codecs and canvas.
 * Node users start from `spice-ts/node` (`connect(uri)`).
 */
export * from './protocol/index.js';
export { SpiceChannel } from './channel/channel.js';
export type { ChannelOptions, ClientChannelOptions, ServerChannelOptions, LinkedEvent } from './channel/channel.js';
export type { Transport } from './transports/transport.js';
export { SpiceSession } from './client/session.js';
export type { SessionOptions, SessionEvents } from './client/session.js';
export { parseSpiceUri, parseTarget, parseVvFile, formatTarget } from './client/target.js';
export type { SpiceTarget } from './client/target.js';
export { probe } from './client/probe.js';
export type { ProbeReport, ProbeOptions } from './client/probe.js';
export { defaultDecoders } from './codecs/index.js';
export { DisplayCanvas, ImageCache, PaletteCache, Surface } from './canvas/index.js';
export type { ImageDecoders } from './canvas/index.js';
export * as input from './client/input/index.js';
