/**
 * PC/AT scancode set 1 for every key of a 105-key PC keyboard, the Japanese/ISO extras and the
 * common multimedia keys, and how SPICE's inputs channel carries them.
 *
 * Keys are named by their W3C UI Events `code` value ('KeyA', 'ControlLeft', 'NumpadEnter', ...):
 * stable names of physical keys that a browser viewer also gets from `KeyboardEvent.code`.
 * (Two keys have no W3C name: 'SysRq' (Alt+Print's own code) and 'Break' (Ctrl+Pause).)
 *
 * Wire forms (the server feeds the bytes to the guest keyboard one by one):
 * - KEY_DOWN / KEY_UP: a u32 `code` holding up to 4 scancode bytes, first byte in the low
 *   byte, ended by the first 0 byte. A release is the make code with bit 0x80 set, after the
 *   prefix: Right Ctrl = E0 1D -> press 0x1DE0, release 0x9DE0.
 * - KEY_SCANCODE (only when the server has the KEY_SCANCODE inputs capability): the raw bytes,
 *   any number, in one message; spice-gtk uses it to send a press and its release together.
 * - Pause has no release code: the real key sends E1 1D 45 E1 9D C5 when pressed. Like spice-gtk,
 *   press() sends the first half (E1 1D, 45) and release() the second (E1 9D, C5); QEMU
 *   recognises the whole sequence.
 */
import { ErrorCode, SpiceError } from '../../protocol/errors.js';

/**
 * Make codes. Values up to 0xFF are one byte; 0xE0xx is the two bytes E0 xx. F13-F24 and the
 * odd E0-less codes for them follow QEMU's set-1 reading (its "qnum" table), which decides what
 * a QEMU guest receives; they are not on a 105-key keyboard.
 */
const MAKE: Record<string, number> = {
  Escape: 0x01,
  Digit1: 0x02, Digit2: 0x03, Digit3: 0x04, Digit4: 0x05, Digit5: 0x06,
  Digit6: 0x07, Digit7: 0x08, Digit8: 0x09, Digit9: 0x0a, Digit0: 0x0b,
  Minus: 0x0c, Equal: 0x0d, Backspace: 0x0e, Tab: 0x0f,
  KeyQ: 0x10, KeyW: 0x11, KeyE: 0x12, KeyR: 0x13, KeyT: 0x14, KeyY: 0x15, KeyU: 0x16, KeyI: 0x17,
  KeyO: 0x18, KeyP: 0x19, BracketLeft: 0x1a, BracketRight: 0x1b, Enter: 0x1c, ControlLeft: 0x1d,
  KeyA: 0x1e, KeyS: 0x1f, KeyD: 0x20, KeyF: 0x21, KeyG: 0x22, KeyH: 0x23, KeyJ: 0x24, KeyK: 0x25,
  KeyL: 0x26, Semicolon: 0x27, Quote: 0x28, Backquote: 0x29, ShiftLeft: 0x2a, Backslash: 0x2b,
  KeyZ: 0x2c, KeyX: 0x2d, KeyC: 0x2e, KeyV: 0x2f, KeyB: 0x30, KeyN: 0x31, KeyM: 0x32,
  Comma: 0x33, Period: 0x34, Slash: 0x35, ShiftRight: 0x36, NumpadMultiply: 0x37, AltLeft: 0x38,
  Space: 0x39, CapsLock: 0x3a,
  F1: 0x3b, F2: 0x3c, F3: 0x3d, F4: 0x3e, F5: 0x3f, F6: 0x40, F7: 0x41, F8: 0x42, F9: 0x43, F10: 0x44,
  NumLock: 0x45, ScrollLock: 0x46,
  Numpad7: 0x47, Numpad8: 0x48, Numpad9: 0x49, NumpadSubtract: 0x4a,
  Numpad4: 0x4b, Numpad5: 0x4c, Numpad6: 0x4d, NumpadAdd: 0x4e,
  Numpad1: 0x4f, Numpad2: 0x50, Numpad3: 0x51, Numpad0: 0x52, NumpadDecimal: 0x53,
  SysRq: 0x54, IntlBackslash: 0x56, F11: 0x57, F12: 0x58, NumpadEqual: 0x59,
  F13: 0x5d, F14: 0x5e, F15: 0x5f, F16: 0x55, F17: 0xe003, F18: 0xe077, F19: 0xe004, F20: 0x5a,
  F21: 0x74, F22: 0xe079, F23: 0x6d, F24: 0x6f,
  // Japanese and Brazilian keys.
  KanaMode: 0x70, IntlRo: 0x73, Convert: 0x79, NonConvert: 0x7b, IntlYen: 0x7d, NumpadComma: 0x7e,
  // E0-prefixed keys of the standard keyboard.
  NumpadEnter: 0xe01c, ControlRight: 0xe01d, NumpadDivide: 0xe035, PrintScreen: 0xe037,
  AltRight: 0xe038, Break: 0xe046, Home: 0xe047, ArrowUp: 0xe048, PageUp: 0xe049,
  ArrowLeft: 0xe04b, ArrowRight: 0xe04d, End: 0xe04f, ArrowDown: 0xe050, PageDown: 0xe051,
  Insert: 0xe052, Delete: 0xe053, MetaLeft: 0xe05b, MetaRight: 0xe05c, ContextMenu: 0xe05d,
  // ACPI and multimedia keys.
  Power: 0xe05e, Sleep: 0xe05f, WakeUp: 0xe063,
  MediaTrackPrevious: 0xe010, MediaTrackNext: 0xe019, AudioVolumeMute: 0xe020, LaunchApp2: 0xe021,
  MediaPlayPause: 0xe022, MediaStop: 0xe024, AudioVolumeDown: 0xe02e, AudioVolumeUp: 0xe030,
  BrowserHome: 0xe032, BrowserSearch: 0xe065, BrowserFavorites: 0xe066, BrowserRefresh: 0xe067,
  BrowserStop: 0xe068, BrowserForward: 0xe069, BrowserBack: 0xe06a, LaunchApp1: 0xe06b,
  LaunchMail: 0xe06c, MediaSelect: 0xe06d,
};

/** Every key name this module knows, 'Pause' included. */
export const KEY_NAMES: readonly string[] = Object.freeze([...Object.keys(MAKE), 'Pause'].sort());

export type KeyName = string;

/** A key going down or up. */
export interface KeyEvent {
  key: KeyName;
  down: boolean;
}

/** An inputs-channel client message, in the shape `encodeMessage(channels.inputs, 'client', m)` takes. */
export type KeyMessage =
  | { name: 'key_down'; body: { code: number } }
  | { name: 'key_up'; body: { code: number } }
  | { name: 'key_scancode'; body: { data: Uint8Array } };

const PAUSE_PRESS = [0xe1, 0x1d, 0x45] as const;
const PAUSE_RELEASE = [0xe1, 0x9d, 0xc5] as const;

export function isKeyName(key: string): boolean {
  return key === 'Pause' || Object.prototype.hasOwnProperty.call(MAKE, key);
}

function make(key: KeyName): number {
  const m = Object.prototype.hasOwnProperty.call(MAKE, key) ? MAKE[key] : undefined;
  if (m === undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown key '${key}' (key names are W3C KeyboardEvent.code values, see KEY_NAMES)`);
  return m;
}

/** The make code as spice-gtk's API numbers it: set-1 code, E0 keys as 0x100 | code. Not for Pause. */
export function gtkScancode(key: KeyName): number {
  const m = make(key);
  return m > 0xff ? 0x100 | (m & 0xff) : m;
}

/** Bytes the keyboard sends when `key` goes down (press) or up (release). */
export function scancodeBytes(key: KeyName, down: boolean): number[] {
  if (key === 'Pause') return down ? [...PAUSE_PRESS] : [...PAUSE_RELEASE];
  const m = make(key);
  const code = (m & 0xff) | (down ? 0 : 0x80);
  return m > 0xff ? [m >> 8, code] : [code];
}

/** Packs up to 4 scancode bytes into the u32 of KEY_DOWN/KEY_UP (first byte lowest). */
export function packScancode(bytes: readonly number[]): number {
  if (bytes.length === 0 || bytes.length > 4) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `a KEY_DOWN/KEY_UP code holds 1 to 4 bytes, not ${bytes.length}`);
  let code = 0;
  bytes.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1 || b > 0xff) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `scancode byte ${b} is not 1..255`);
    code |= b << (8 * i);
  });
  return code >>> 0;
}

/** The bytes a KEY_DOWN/KEY_UP code stands for, as the server reads them (up to the first 0). */
export function unpackScancode(code: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const b = (code >>> (8 * i)) & 0xff;
    if (b === 0) break;
    out.push(b);
  }
  return out;
}

/** KEY_DOWN bodies for pressing `key` (two for Pause, as spice-gtk sends it). */
export function keyDownCodes(key: KeyName): { code: number }[] {
  return splitForKeyMessages(key, true);
}

/** KEY_UP bodies for releasing `key`. */
export function keyUpCodes(key: KeyName): { code: number }[] {
  return splitForKeyMessages(key, false);
}

function splitForKeyMessages(key: KeyName, down: boolean): { code: number }[] {
  const bytes = scancodeBytes(key, down);
  // Pause: E1 xx as one code and the last byte as another, the way spice-gtk sends it.
  if (key === 'Pause') return [{ code: packScancode(bytes.slice(0, 2)) }, { code: packScancode(bytes.slice(2)) }];
  return [{ code: packScancode(bytes) }];
}

/** KEY_SCANCODE bytes for a press and/or release of `key`. */
export function keyScancodeData(key: KeyName, what: 'press' | 'release' | 'both' = 'both'): Uint8Array {
  const bytes = what === 'release' ? scancodeBytes(key, false)
    : what === 'press' ? scancodeBytes(key, true)
    : [...scancodeBytes(key, true), ...scancodeBytes(key, false)];
  return Uint8Array.from(bytes);
}

export interface KeyMessageOptions {
  /**
   * The server has the KEY_SCANCODE inputs capability: send each run of events as one
   * KEY_SCANCODE message, so the guest gets them without other input in between. Default false.
   */
  scancodeCap?: boolean;
}

/** Inputs-channel messages that play `events` in order. */
export function keyEventsToMessages(events: readonly KeyEvent[], opts: KeyMessageOptions = {}): KeyMessage[] {
  if (opts.scancodeCap) {
    if (events.length === 0) return [];
    const bytes: number[] = [];
    for (const e of events) bytes.push(...scancodeBytes(e.key, e.down));
    return [{ name: 'key_scancode', body: { data: Uint8Array.from(bytes) } }];
  }
  const out: KeyMessage[] = [];
  for (const e of events) {
    for (const body of splitForKeyMessages(e.key, e.down)) {
      out.push(e.down ? { name: 'key_down', body } : { name: 'key_up', body });
    }
  }
  return out;
}

/**
 * The key a scancode byte sequence (one key's make or break bytes) stands for, and whether it
 * goes down; undefined when unknown. Pause is recognised from either half.
 */
export function keyFromScancode(bytes: readonly number[]): KeyEvent | undefined {
  if (bytes.length === 3 && bytes[0] === 0xe1) {
    if (bytes[1] === 0x1d && bytes[2] === 0x45) return { key: 'Pause', down: true };
    if (bytes[1] === 0x9d && bytes[2] === 0xc5) return { key: 'Pause', down: false };
    return undefined;
  }
  let m: number;
  if (bytes.length === 2 && bytes[0] === 0xe0) m = 0xe000 | (bytes[1]! & 0x7f);
  else if (bytes.length === 1) m = bytes[0]! & 0x7f;
  else return undefined;
  const key = byMake().get(m);
  const last = bytes[bytes.length - 1]!;
  return key === undefined ? undefined : { key, down: (last & 0x80) === 0 };
}

let makeIndex: Map<number, string> | undefined;
function byMake(): Map<number, string> {
  if (!makeIndex) {
    makeIndex = new Map();
    for (const [k, v] of Object.entries(MAKE)) makeIndex.set(v, k);
  }
  return makeIndex;
}

/** The make code of `key` as defined above (0xE0xx for prefixed keys); undefined for Pause/unknown. */
export function makeCode(key: KeyName): number | undefined {
  return Object.prototype.hasOwnProperty.call(MAKE, key) ? MAKE[key] : undefined;
}
