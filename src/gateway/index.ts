/**
 * The SPICE WebSocket gateway (Node): tokens to targets, the relay with ticket substitution,
 * limits and session logs. `spice-ts gateway` is the command around it.
 */
export { Gateway, createGateway, GATEWAY_DEFAULTS, type GatewayOptions, type GatewayLimits, type GatewayEvents, type TokenSource } from './gateway.js';
export { listenGateway, type GatewayListenOptions, type GatewayListening } from './listen.js';
export {
  TokenFile, parseTokenFile, gatewayTarget, describeGatewayTarget, TOKEN_PATTERN, type GatewayTarget, type TokenFileOptions,
} from './tokens.js';
export { LinkRelay, type LinkRelayOptions } from './link-relay.js';
export { formatSessionRecord, type SessionRecord } from './session.js';
export { openUpstream, type UpstreamOptions } from './upstream.js';
