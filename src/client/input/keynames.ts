/**
 * Key names as xdotool takes them -> key events.
 *
 * A name is an X keysym name ('Return', 'Control_L', 'Page_Up', 'KP_Enter', 'XF86AudioMute',
 * 'a', 'A', 'exclam'), one of xdotool's short aliases ('ctrl', 'alt', 'shift', 'super', 'meta'),
 * a few common extras ('win', 'esc', 'enter', 'del', 'pgup'), or a W3C KeyboardEvent.code
 * ('ControlLeft', 'KeyA'). Keysyms that stand for a character go through the US layout, so
 * 'A', 'question' or 'ctrl+plus' add Shift as xdotool does. Single-character names are
 * case-sensitive ('a' vs 'A'); longer names are matched exactly first, then ignoring case.
 *
 * As on X with a PC keyboard, 'meta' / 'Meta_L' is the Alt key; the Windows key is
 * 'super' / 'Super_L' / 'win'.
 */
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { isKeyName, KEY_NAMES, type KeyEvent, type KeyName } from './scancodes.js';
import { usStrokeFor, type KeyStroke } from './layout-us.js';

/** Names that stand for a physical key (no Shift implied). */
const KEYSYM_KEYS: Record<string, KeyName> = {
  // xdotool aliases and friendly extras
  ctrl: 'ControlLeft', control: 'ControlLeft', alt: 'AltLeft', shift: 'ShiftLeft', meta: 'AltLeft',
  super: 'MetaLeft', win: 'MetaLeft', windows: 'MetaLeft', altgr: 'AltRight',
  esc: 'Escape', enter: 'Enter', del: 'Delete', ins: 'Insert', pgup: 'PageUp', pgdn: 'PageDown',
  // modifiers and locks
  Shift_L: 'ShiftLeft', Shift_R: 'ShiftRight', Control_L: 'ControlLeft', Control_R: 'ControlRight',
  Alt_L: 'AltLeft', Alt_R: 'AltRight', Meta_L: 'AltLeft', Meta_R: 'AltRight',
  Super_L: 'MetaLeft', Super_R: 'MetaRight', ISO_Level3_Shift: 'AltRight',
  Caps_Lock: 'CapsLock', Num_Lock: 'NumLock', Scroll_Lock: 'ScrollLock',
  // editing and navigation
  Return: 'Enter', Escape: 'Escape', BackSpace: 'Backspace', Tab: 'Tab', Delete: 'Delete',
  Insert: 'Insert', Home: 'Home', End: 'End', Prior: 'PageUp', Page_Up: 'PageUp', Next: 'PageDown',
  Page_Down: 'PageDown', Up: 'ArrowUp', Down: 'ArrowDown', Left: 'ArrowLeft', Right: 'ArrowRight',
  Print: 'PrintScreen', Sys_Req: 'SysRq', Pause: 'Pause', Break: 'Break', Menu: 'ContextMenu',
  // keypad
  KP_Enter: 'NumpadEnter', KP_Add: 'NumpadAdd', KP_Subtract: 'NumpadSubtract',
  KP_Multiply: 'NumpadMultiply', KP_Divide: 'NumpadDivide', KP_Decimal: 'NumpadDecimal',
  KP_Delete: 'NumpadDecimal', KP_Separator: 'NumpadDecimal', KP_Equal: 'NumpadEqual',
  KP_Insert: 'Numpad0', KP_End: 'Numpad1', KP_Down: 'Numpad2', KP_Next: 'Numpad3',
  KP_Page_Down: 'Numpad3', KP_Left: 'Numpad4', KP_Begin: 'Numpad5', KP_Right: 'Numpad6',
  KP_Home: 'Numpad7', KP_Up: 'Numpad8', KP_Prior: 'Numpad9', KP_Page_Up: 'Numpad9',
  // Japanese
  Henkan: 'Convert', Henkan_Mode: 'Convert', Muhenkan: 'NonConvert', Hiragana_Katakana: 'KanaMode',
  // multimedia and ACPI
  XF86AudioMute: 'AudioVolumeMute', XF86AudioLowerVolume: 'AudioVolumeDown',
  XF86AudioRaiseVolume: 'AudioVolumeUp', XF86AudioPlay: 'MediaPlayPause',
  XF86AudioStop: 'MediaStop', XF86AudioPrev: 'MediaTrackPrevious', XF86AudioNext: 'MediaTrackNext',
  XF86AudioMedia: 'MediaSelect', XF86Mail: 'LaunchMail', XF86HomePage: 'BrowserHome',
  XF86Search: 'BrowserSearch', XF86Favorites: 'BrowserFavorites', XF86Reload: 'BrowserRefresh',
  XF86Refresh: 'BrowserRefresh', XF86Stop: 'BrowserStop', XF86Forward: 'BrowserForward',
  XF86Back: 'BrowserBack', XF86MyComputer: 'LaunchApp1', XF86Calculator: 'LaunchApp2',
  XF86PowerOff: 'Power', XF86Sleep: 'Sleep', XF86WakeUp: 'WakeUp',
};
for (let i = 0; i <= 9; i++) KEYSYM_KEYS[`KP_${i}`] = `Numpad${i}`;

/** Names of characters (X keysym names of printable ASCII); typed through the US layout. */
const KEYSYM_CHARS: Record<string, string> = {
  space: ' ', exclam: '!', quotedbl: '"', numbersign: '#', dollar: '$', percent: '%',
  ampersand: '&', apostrophe: "'", quoteright: "'", parenleft: '(', parenright: ')',
  asterisk: '*', plus: '+', comma: ',', minus: '-', period: '.', slash: '/', colon: ':',
  semicolon: ';', less: '<', equal: '=', greater: '>', question: '?', at: '@',
  bracketleft: '[', backslash: '\\', bracketright: ']', asciicircum: '^', underscore: '_',
  grave: '`', quoteleft: '`', braceleft: '{', bar: '|', braceright: '}', asciitilde: '~',
};

/** Names that stand for a key with Shift held. */
const KEYSYM_SHIFTED: Record<string, KeyName> = { ISO_Left_Tab: 'Tab' };

/** Every name resolveKeyName accepts, besides single printable ASCII characters. */
export function knownKeyNames(): string[] {
  return [...new Set([...allNames()])].sort();
}

function allNames(): string[] {
  return [...Object.keys(KEYSYM_KEYS), ...Object.keys(KEYSYM_SHIFTED), ...Object.keys(KEYSYM_CHARS), ...KEY_NAMES];
}

let lowerIndex: Map<string, string> | undefined;
function caseInsensitiveIndex(): Map<string, string> {
  if (!lowerIndex) {
    lowerIndex = new Map();
    // Keysyms first so that e.g. 'return' finds 'Return'; W3C names do not collide with them
    // except where both name the same key.
    for (const n of allNames()) {
      if (n.length > 1 && !lowerIndex.has(n.toLowerCase())) lowerIndex.set(n.toLowerCase(), n);
    }
  }
  return lowerIndex;
}

function exact(name: string): KeyStroke | undefined {
  if (Object.prototype.hasOwnProperty.call(KEYSYM_SHIFTED, name)) return { key: KEYSYM_SHIFTED[name]!, shift: true };
  if (Object.prototype.hasOwnProperty.call(KEYSYM_KEYS, name)) return { key: KEYSYM_KEYS[name]!, shift: false };
  if (Object.prototype.hasOwnProperty.call(KEYSYM_CHARS, name)) return usStrokeFor(KEYSYM_CHARS[name]!);
  if (isKeyName(name)) return { key: name, shift: false };
  // A single printable character names itself (xdotool: 'a', 'A', '5'; also '!' etc.).
  if ([...name].length === 1 && name >= ' ' && name <= '~') return usStrokeFor(name);
  return undefined;
}

/** The key (and whether Shift is implied) for one xdotool-style key name. */
export function resolveKeyName(name: string): KeyStroke {
  const hit = exact(name) ?? (name.length > 1 ? exactFromLower(name) : undefined);
  if (hit) return hit;
  const close = suggest(name);
  const hint = close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : '';
  throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown key name '${name}'${hint}`);
}

function exactFromLower(name: string): KeyStroke | undefined {
  const canonical = caseInsensitiveIndex().get(name.toLowerCase());
  return canonical ? exact(canonical) : undefined;
}

/** Damerau-less edit distance, small strings only. */
function distance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Up to three known names closest to `name` (ignoring case). */
export function suggest(name: string): string[] {
  const n = name.toLowerCase();
  if (n.length === 0) return [];
  const limit = Math.max(1, Math.min(3, Math.floor(n.length / 3)));
  const scored: [number, string][] = [];
  for (const cand of knownKeyNames()) {
    const c = cand.toLowerCase();
    let d = distance(n, c);
    // A name that starts the candidate ('Page' -> 'Page_Up') counts as close.
    if (n.length >= 3 && c.startsWith(n)) d = Math.min(d, 1);
    if (d <= limit) scored.push([d, cand]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].length - b[1].length || a[1].localeCompare(b[1]));
  return scored.slice(0, 3).map((s) => s[1]);
}

/**
 * Key events for one combo such as 'ctrl+alt+Delete' or 'ctrl+A': each key is pressed in order
 * (Shift added just before a key whose character needs it, unless Shift is already down), then
 * all are released in reverse order. `what` limits the result to the presses (xdotool keydown)
 * or the releases (keyup).
 */
export function comboToEvents(combo: string, what: 'both' | 'press' | 'release' = 'both'): KeyEvent[] {
  const parts = splitCombo(combo);
  const down: KeyName[] = [];
  for (const part of parts) {
    const s = resolveKeyName(part);
    const shiftDown = down.includes('ShiftLeft') || down.includes('ShiftRight');
    if (s.shift && !shiftDown) down.push('ShiftLeft');
    if (!down.includes(s.key)) down.push(s.key);
  }
  const presses = down.map((key) => ({ key, down: true }));
  const releases = [...down].reverse().map((key) => ({ key, down: false }));
  if (what === 'press') return presses;
  if (what === 'release') return releases;
  return [...presses, ...releases];
}

function splitCombo(combo: string): string[] {
  const trimmed = combo.trim();
  if (trimmed === '') throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'empty key combo');
  // A lone '+' or a trailing '++' (as in 'ctrl++') names the plus key.
  if (trimmed === '+') return ['+'];
  const parts = trimmed.endsWith('++') ? [...trimmed.slice(0, -2).split('+'), '+'] : trimmed.split('+');
  const empty = parts.findIndex((p) => p.trim() === '');
  if (empty >= 0) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `key combo '${combo}' has an empty key name at part ${empty + 1} (use 'plus' for the + key)`);
  return parts.map((p) => p.trim());
}

/** Key events for a whitespace-separated list of combos, like `xdotool key ctrl+l BackSpace`. */
export function keySequenceToEvents(seq: string | readonly string[]): KeyEvent[] {
  const combos = typeof seq === 'string' ? seq.trim().split(/\s+/).filter((s) => s !== '') : seq;
  if (combos.length === 0) throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'no keys given');
  return combos.flatMap((c) => comboToEvents(c));
}
