/**
 * Cursor channel (type 4): pointer shape and position (server mouse mode).
 */
import { struct, u8, u16, u64 } from '../wire/types.js';
import { Empty } from './define.js';
import { Cursor, Point16 } from './structs.js';

export const cursorServer = {
  // position:Point16 trail_length:u16 trail_frequency:u16 visible:u8 cursor:Cursor
  init: [101, struct('CursorInit', {
    position: Point16, trail_length: u16, trail_frequency: u16, visible: u8, cursor: Cursor,
  })],
  reset: [102, Empty],
  // position:Point16 visible:u8 cursor:Cursor
  set: [103, struct('CursorSet', { position: Point16, visible: u8, cursor: Cursor })],
  // position:Point16
  move: [104, struct('CursorMove', { position: Point16 })],
  hide: [105, Empty],
  // length:u16 frequency:u16
  trail: [106, struct('CursorTrail', { length: u16, frequency: u16 })],
  // id:u64
  inval_one: [107, struct('CursorInvalOne', { id: u64 })],
  inval_all: [108, Empty],
} as const;

export const cursorClient = {} as const;
