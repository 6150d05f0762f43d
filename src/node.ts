/**
 * spice-ts for Node: everything in the main entry, plus `connect(uri)` over
 * TCP, UNIX sockets and TLS, and the image-file helpers.
 */
export * from './index.js';
export { connect } from './client/node.js';
export type { NodeConnectOptions } from './client/node.js';
export { nodeTicketCrypto } from './protocol/crypto/node-ticket.js';
export { encodePng, decodePng, encodePpm, decodePnm, writeImageFile } from './cli/image-files.js';
export type { RgbaImage } from './cli/image-files.js';
export * as gateway from './gateway/index.js';
export { createServer } from './server/server.js';
export { listen } from './server/listen.js';
export type { ServerOptions } from './server/options.js';
export type { ListenOptions, Listening } from './server/listen.js';
export type { DisplaySource, SourceSink, SourceFrame, SourceRect, SourceCursor, KeyEvent, PointerEvent } from './server/source.js';
export { createDemoSource } from './server/sources/demo.js';
export { createX11Source } from './server/sources/x11/source.js';
export { viewerHttpHandler } from './server/web-files.js';
