/**
 * The demo's keyboard: tracks Shift, Ctrl, Alt and Caps Lock from the viewer's key events and
 * turns key presses into text-box actions, reading keys by the US layout.
 */
import type { KeyEvent } from '../source.js';
import { keyFromScancode } from '../../client/input/scancodes.js';
import { usCharFor } from '../../client/input/layout-us.js';

export type KeyAction =
  | { kind: 'type'; text: string }
  | { kind: 'backspace' }
  | { kind: 'tab' }
  | { kind: 'copy' }
  | { kind: 'paste' }
  | { kind: 'clear' };

// Keypad keys type their main-keyboard character (Num Lock is not tracked).
const KEYPAD: Record<string, string> = {
  Numpad0: '0', Numpad1: '1', Numpad2: '2', Numpad3: '3', Numpad4: '4', Numpad5: '5', Numpad6: '6',
  Numpad7: '7', Numpad8: '8', Numpad9: '9', NumpadDecimal: '.', NumpadAdd: '+', NumpadSubtract: '-',
  NumpadMultiply: '*', NumpadDivide: '/', NumpadEqual: '=', NumpadComma: ',',
};

const CTRL_ACTIONS: Record<string, KeyAction> = {
  KeyC: { kind: 'copy' }, KeyV: { kind: 'paste' }, KeyL: { kind: 'clear' },
};

/** The key's code name: the event's own, else looked up from its set-1 scancode. */
export function keyName(ev: KeyEvent): string | undefined {
  if (ev.code) return ev.code;
  const sc = ev.scancode;
  if (!Number.isInteger(sc) || sc <= 0 || sc > 0xffff) return undefined;
  const bytes = sc > 0xff ? [sc >>> 8, sc & 0x7f] : [sc & 0x7f];
  return keyFromScancode(bytes)?.key;
}

export class DemoKeyboard {
  private shift = 0;
  private ctrl = 0;
  private alt = 0;
  private capsLock = false;

  /** What a key event does in the text box, if anything. */
  feed(ev: KeyEvent): KeyAction | undefined {
    const name = keyName(ev);
    if (!name) return undefined;
    // Each modifier has a left and a right key: one bit each, so releasing one keeps the other.
    const side = name.endsWith('Right') ? 2 : 1;
    const set = (held: number) => (ev.down ? held | side : held & ~side);
    switch (name) {
      case 'ShiftLeft': case 'ShiftRight': this.shift = set(this.shift); return undefined;
      case 'ControlLeft': case 'ControlRight': this.ctrl = set(this.ctrl); return undefined;
      case 'AltLeft': case 'AltRight': case 'MetaLeft': case 'MetaRight': this.alt = set(this.alt); return undefined;
    }
    if (!ev.down) return undefined;
    if (name === 'CapsLock') { this.capsLock = !this.capsLock; return undefined; }
    if (this.ctrl) return CTRL_ACTIONS[name];
    if (this.alt) return undefined;
    if (name === 'Backspace') return { kind: 'backspace' };
    if (name === 'Enter' || name === 'NumpadEnter') return { kind: 'type', text: '\n' };
    if (name === 'Tab') return { kind: 'tab' };
    let shift = this.shift !== 0;
    if (this.capsLock && /^Key[A-Z]$/.test(name)) shift = !shift;
    const ch = KEYPAD[name] ?? usCharFor(name, shift);
    return ch === undefined ? undefined : { kind: 'type', text: ch };
  }
}
