/**
 * Keyboard and mouse input for the SPICE inputs channel: scancodes, key names, US layout
 * typing, lock state and mouse buttons. Pure logic, no I/O.
 */
export * from './scancodes.js';
export * from './keynames.js';
export * from './layout-us.js';
export * from './locks.js';
export * from './mouse.js';
