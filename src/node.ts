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
