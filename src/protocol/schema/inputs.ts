/**
 * Inputs channel (type 3): keyboard scancodes, modifiers, mouse.
 */
import { KeyboardModifierFlags, MouseButton, MouseButtonMask } from '../enums/index.js';
import { struct, u8, u32, i32, e8, e16 } from '../wire/types.js';
import { Empty } from './define.js';
import { Data } from './base.js';

// modifiers:u16 (keyboard_modifier_flags)
const Modifiers = struct('KeyModifiers', { modifiers: e16(KeyboardModifierFlags) });
// button:u8 buttons_state:u16 (3)
const Button = struct('MouseButtonEvent', { button: e8(MouseButton), buttons_state: e16(MouseButtonMask) });
// code:u32 — up to 4 set-1 scancode bytes, low byte first, ended by the first 0 byte
const Key = struct('Key', { code: u32 });

export const inputsClient = {
  key_down: [101, Key],
  key_up: [102, Key],
  key_modifiers: [103, Modifiers],
  // data:u8[] — raw scancode bytes (needs KEY_SCANCODE)
  key_scancode: [104, Data],
  // dx:i32 dy:i32 buttons_state:u16 (10)
  mouse_motion: [111, struct('MouseMotion', { dx: i32, dy: i32, buttons_state: e16(MouseButtonMask) })],
  // x:u32 y:u32 buttons_state:u16 display_id:u8 (11)
  mouse_position: [112, struct('MousePosition', { x: u32, y: u32, buttons_state: e16(MouseButtonMask), display_id: u8 })],
  mouse_press: [113, Button],
  mouse_release: [114, Button],
} as const;

export const inputsServer = {
  // keyboard_modifiers:u16
  init: [101, struct('InputsInit', { keyboard_modifiers: e16(KeyboardModifierFlags) })],
  key_modifiers: [102, Modifiers],
  // (empty) — sent after every SPICE_INPUT_MOTION_ACK_BUNCH (4) motion/position messages
  mouse_motion_ack: [111, Empty],
} as const;
