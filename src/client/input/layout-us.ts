/**
 * Text -> key events for a guest using the US keyboard layout: which physical key types each
 * printable ASCII character, and whether Shift is needed. '\n' (and '\r', '\r\n') is Return,
 * '\t' is Tab. Anything else cannot be typed and is refused.
 */
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import type { KeyEvent, KeyName } from './scancodes.js';

/** A physical key and whether Shift must be held to get the wanted character from it. */
export interface KeyStroke {
  key: KeyName;
  shift: boolean;
}

// Each key's unshifted and shifted character on the US layout; letters are added below.
const US_KEYS: readonly [KeyName, string, string][] = [
  ['Backquote', '`', '~'], ['Digit1', '1', '!'], ['Digit2', '2', '@'], ['Digit3', '3', '#'],
  ['Digit4', '4', '$'], ['Digit5', '5', '%'], ['Digit6', '6', '^'], ['Digit7', '7', '&'],
  ['Digit8', '8', '*'], ['Digit9', '9', '('], ['Digit0', '0', ')'], ['Minus', '-', '_'],
  ['Equal', '=', '+'], ['BracketLeft', '[', '{'], ['BracketRight', ']', '}'], ['Backslash', '\\', '|'],
  ['Semicolon', ';', ':'], ['Quote', "'", '"'], ['Comma', ',', '<'], ['Period', '.', '>'],
  ['Slash', '/', '?'], ['Space', ' ', ' '],
];

const CHAR_TO_STROKE = new Map<string, KeyStroke>();
const STROKE_TO_CHAR = new Map<string, string>();
for (const [key, plain, shifted] of US_KEYS) {
  CHAR_TO_STROKE.set(plain, { key, shift: false });
  if (shifted !== plain) CHAR_TO_STROKE.set(shifted, { key, shift: true });
  STROKE_TO_CHAR.set(`${key}/0`, plain);
  STROKE_TO_CHAR.set(`${key}/1`, shifted);
}
for (let c = 0x61; c <= 0x7a; c++) {
  const lower = String.fromCharCode(c);
  const upper = lower.toUpperCase();
  const key = `Key${upper}`;
  CHAR_TO_STROKE.set(lower, { key, shift: false });
  CHAR_TO_STROKE.set(upper, { key, shift: true });
  STROKE_TO_CHAR.set(`${key}/0`, lower);
  STROKE_TO_CHAR.set(`${key}/1`, upper);
}
CHAR_TO_STROKE.set('\n', { key: 'Enter', shift: false });
CHAR_TO_STROKE.set('\r', { key: 'Enter', shift: false });
CHAR_TO_STROKE.set('\t', { key: 'Tab', shift: false });

/** The key that types `ch` on a US layout, or undefined when the layout has none. */
export function usStrokeFor(ch: string): KeyStroke | undefined {
  const s = CHAR_TO_STROKE.get(ch);
  return s ? { ...s } : undefined;
}

/** The character a key types on a US layout (with or without Shift), or undefined. */
export function usCharFor(key: KeyName, shift: boolean): string | undefined {
  return STROKE_TO_CHAR.get(`${key}/${shift ? 1 : 0}`);
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return cp < 0x20 || cp === 0x7f ? hex : `'${ch}' (${hex})`;
}

export interface TypeOptions {
  /**
   * Caps Lock is on in the guest: letters are typed with Shift inverted so they come out as
   * written. Default false.
   */
  capsLock?: boolean;
}

/**
 * Key events that type `text` on a US layout: each character is its key's press and release,
 * wrapped in Left Shift press/release when it needs Shift. Throws BAD_ARGUMENT naming the first
 * character the layout cannot type and its position (0-based, in characters).
 */
export function textToKeyEvents(text: string, opts: TypeOptions = {}): KeyEvent[] {
  const events: KeyEvent[] = [];
  let pos = 0;
  let prev = '';
  for (const ch of text) {
    // "\r\n" is one line break, not two.
    if (ch === '\n' && prev === '\r') { prev = ch; pos++; continue; }
    const s = CHAR_TO_STROKE.get(ch);
    if (!s) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT,
        `cannot type character ${describeChar(ch)} at position ${pos}: the US keyboard layout has no key for it`);
    }
    let shift = s.shift;
    if (opts.capsLock && s.key.startsWith('Key')) shift = !shift;
    if (shift) events.push({ key: 'ShiftLeft', down: true });
    events.push({ key: s.key, down: true }, { key: s.key, down: false });
    if (shift) events.push({ key: 'ShiftLeft', down: false });
    prev = ch;
    pos++;
  }
  return events;
}

/** Every character textToKeyEvents accepts. */
export function usTypableChars(): string[] {
  return [...CHAR_TO_STROKE.keys()];
}
