/**
 * spice-ts web viewer, the library bundle (dist/viewer/spice-viewer.js): the SpiceViewer
 * class, the <spice-viewer> element (defined on import when run in a page), and the
 * WebSocket transport for building other browser clients on SpiceSession.
 */
import { defineSpiceViewerElement } from './element.js';

export { SpiceViewer } from './viewer.js';
export type { SpiceViewerOptions, ViewerEvents, ConnectOptions, ScaleMode, ViewerStatus, ViewerState, ReconnectOptions, ViewerMonitor, MonitorRect } from './viewer.js';
export { isScaleMode, SCALE_MODES } from './render.js';
export { defineSpiceViewerElement, ELEMENT_NAME } from './element.js';
export type { SpiceViewerElement } from './element.js';
export { KEY_COMBOS, type KeyCombo } from './keyboard.js';
export { webSocketTransport, webSocketOpener, openWebSocket, WebSocketClosed } from './ws-transport.js';
export { browserTicketCrypto } from './ticket-fallback.js';
export { SpiceSession } from '../client/session.js';

if (typeof customElements !== 'undefined' && typeof HTMLElement !== 'undefined') defineSpiceViewerElement();
