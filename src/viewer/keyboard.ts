/**
 * Keyboard input for the web viewer: browser key events become PC scancodes by
 * `KeyboardEvent.code` (the physical key, whatever the page's or the guest's layout), so
 * the guest's own layout decides the characters: AltGr, dead keys and non-US layouts
 * work as on a local keyboard. Keys the guest gets are not left to the browser
 * (preventDefault); keys still held when the page loses focus are released; the guest's
 * Caps/Num Lock follow the local ones at the first key after focus comes back.
 *
 * AltGr on Windows: the browser gets a made-up ControlLeft keydown just before AltRight
 * (same timestamp), which the guest would take as Ctrl+AltGr ('@' on a German layout would
 * become Ctrl+@). With the AltGr filter (on by default on Windows) a ControlLeft keydown is
 * held back until the next key event or 50 ms, and dropped when AltRight follows at the
 * same instant; its keyup is then not sent either (never sent down). A dead key (key
 * 'Dead') is sent like any other: the guest's layout composes the accent.
 *
 * The logic takes any object shaped like a KeyboardEvent (tests use plain objects).
 */
import { isKeyName, type KeyEvent } from '../client/input/scancodes.js';
import { comboToEvents } from '../client/input/keynames.js';
import type { LockState } from '../client/input/locks.js';

/** The part of a KeyboardEvent used here. */
export interface KeyLike {
  code: string;
  /** The character or key name on the local layout ('Dead', 'AltGraph'); not used for the guest. */
  key?: string;
  /** When the event happened (ms); the AltGr filter compares them. */
  timeStamp?: number;
  repeat?: boolean;
  isComposing?: boolean;
  preventDefault(): void;
  getModifierState?(key: string): boolean;
}

/** Where the key events go (the inputs channel, through the viewer). */
export interface KeySink {
  keys(events: KeyEvent[]): void;
  /** The guest's lock state as the server last reported it, if known. */
  locks?(): LockState | undefined;
  /** Sets the guest's locks (KEY_MODIFIERS). */
  setLocks?(locks: LockState): void;
}

export interface KeyboardOptions {
  /** Locks made to follow the local keyboard's at the first key after focus. Default caps and num lock. */
  syncLocks?: ('capsLock' | 'numLock' | 'scrollLock')[];
  /**
   * Drop the ControlLeft keydown Windows makes up for AltGr (see above). Default: true when
   * the browser runs on Windows.
   */
  altGrFilter?: boolean;
}

/** How long a ControlLeft keydown waits for the AltRight it may belong to, ms. */
export const ALTGR_WAIT_MS = 50;

/** True when the page runs on Windows (where AltGr arrives as ControlLeft + AltRight). */
export function onWindows(nav: { platform?: string; userAgent?: string; userAgentData?: { platform?: string } } | undefined =
  (globalThis as { navigator?: Navigator & { userAgentData?: { platform?: string } } }).navigator): boolean {
  if (!nav) return false;
  const p = nav.userAgentData?.platform ?? nav.platform ?? '';
  return /^win/i.test(p) || (!p && /Windows/.test(nav.userAgent ?? ''));
}

const LOCK_KEYS: Record<string, keyof LockState> = { CapsLock: 'capsLock', NumLock: 'numLock', ScrollLock: 'scrollLock' };
const MODIFIERS = new Set(['ShiftLeft', 'ShiftRight', 'ControlLeft', 'ControlRight', 'AltLeft', 'AltRight', 'MetaLeft', 'MetaRight']);
const DOM_LOCK_NAMES: Record<keyof LockState, string> = { capsLock: 'CapsLock', numLock: 'NumLock', scrollLock: 'ScrollLock' };

/** A key combination for a menu. */
export interface KeyCombo {
  /** What the user reads. */
  label: string;
  /** xdotool-style keys, pressed in order and released in reverse (see comboToEvents). */
  combo: string;
  /** Menu group, for long runs of similar entries. */
  group?: string;
}

/** Key combinations the browser or the local system would not pass on (or that are awkward to press). */
export const KEY_COMBOS: readonly KeyCombo[] = [
  { label: 'Ctrl+Alt+Del', combo: 'ctrl+alt+Delete' },
  { label: 'Ctrl+Alt+Backspace', combo: 'ctrl+alt+BackSpace' },
  { label: 'PrintScreen', combo: 'Print' },
  { label: 'Alt+PrintScreen', combo: 'alt+Print' },
  { label: 'Alt+Tab', combo: 'alt+Tab' },
  { label: 'Alt+F4', combo: 'alt+F4' },
  { label: 'Super (Windows key)', combo: 'Super_L' },
  { label: 'Escape', combo: 'Escape' },
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => ({ label: `Ctrl+Alt+F${n}`, combo: `ctrl+alt+F${n}`, group: 'Switch console' })),
];

export class KeyboardInput {
  /** Keys the guest has been told are down, in press order. */
  readonly pressed = new Set<string>();
  /** When false, events are left to the browser. */
  enabled = true;
  private lockSyncDue = true;
  private readonly syncLocks: readonly (keyof LockState)[];
  private readonly altGrFilter: boolean;
  /** A ControlLeft keydown held back by the AltGr filter, and its timer. */
  private heldCtrl?: { e: KeyLike; timer: ReturnType<typeof setTimeout> };

  constructor(private readonly sink: KeySink, opts: KeyboardOptions = {}) {
    this.syncLocks = opts.syncLocks ?? ['capsLock', 'numLock'];
    this.altGrFilter = opts.altGrFilter ?? onWindows();
  }

  /** A keydown: true when the key went to the guest (the event's default was prevented). */
  keyDown(e: KeyLike): boolean {
    if (!this.enabled || e.isComposing || !e.code || !isKeyName(e.code)) return false;
    e.preventDefault();
    const held = this.takeHeldCtrl();
    if (held) {
      const fake = e.code === 'AltRight' && held.timeStamp !== undefined && e.timeStamp !== undefined
        && Math.abs(e.timeStamp - held.timeStamp) < 1;
      if (!fake) this.press(held);
    }
    if (this.altGrFilter && e.code === 'ControlLeft' && !this.pressed.has('ControlLeft')) {
      this.heldCtrl = { e, timer: setTimeout(() => { const c = this.takeHeldCtrl(); if (c) this.press(c); }, ALTGR_WAIT_MS) };
      return true;
    }
    this.press(e);
    return true;
  }

  private press(e: KeyLike): void {
    if (this.lockSyncDue && !(e.code in LOCK_KEYS)) this.resyncLocks(e);
    // Auto-repeat sends the make code again, as a PC keyboard does.
    this.pressed.add(e.code);
    this.sink.keys([{ key: e.code, down: true }]);
  }

  /** Sends a ControlLeft the AltGr filter holds back now (a click follows: Ctrl+click). */
  flushHeld(): void {
    const held = this.takeHeldCtrl();
    if (held) this.press(held);
  }

  private takeHeldCtrl(): KeyLike | undefined {
    const h = this.heldCtrl;
    if (!h) return undefined;
    clearTimeout(h.timer);
    this.heldCtrl = undefined;
    return h.e;
  }

  /** A keyup: true when the key went to the guest. */
  keyUp(e: KeyLike): boolean {
    if (!this.enabled || !e.code || !isKeyName(e.code)) return false;
    e.preventDefault();
    // A held-back Ctrl released before anything else: it was a real Ctrl tap.
    const held = this.takeHeldCtrl();
    if (held) this.press(held);
    if (!this.pressed.has(e.code)) return false;
    this.pressed.delete(e.code);
    const events: KeyEvent[] = [{ key: e.code, down: false }];
    // macOS sends no keyup for keys released while Command is held: release them with it.
    if (e.code === 'MetaLeft' || e.code === 'MetaRight') {
      for (const k of [...this.pressed].reverse()) {
        if (!MODIFIERS.has(k)) { this.pressed.delete(k); events.push({ key: k, down: false }); }
      }
    }
    this.sink.keys(events);
    return true;
  }

  /** Releases every key the guest thinks is down (focus lost, page hidden, disconnect). */
  releaseAll(): void {
    this.takeHeldCtrl();
    if (this.pressed.size === 0) return;
    const events = [...this.pressed].reverse().map((key) => ({ key, down: false }));
    this.pressed.clear();
    this.sink.keys(events);
  }

  /** Focus came (back): the lock state is checked at the next key. */
  focused(): void {
    this.lockSyncDue = true;
  }

  /** Focus went away: nothing stays held in the guest. */
  blurred(): void {
    this.releaseAll();
    this.lockSyncDue = true;
  }

  /**
   * Sends a combination such as 'ctrl+alt+Delete' (xdotool names, see comboToEvents):
   * the keys go down in order and come up in reverse. Keys held on the local keyboard
   * are released first so they do not mix in.
   */
  sendCombo(combo: string): void {
    const events = comboToEvents(combo);
    this.releaseAll();
    this.sink.keys(events);
  }

  private resyncLocks(e: KeyLike): void {
    const guest = this.sink.locks?.();
    if (!guest || !this.sink.setLocks || typeof e.getModifierState !== 'function') return;
    this.lockSyncDue = false;
    const wanted: LockState = { ...guest };
    let differs = false;
    for (const lock of this.syncLocks) {
      const local = e.getModifierState(DOM_LOCK_NAMES[lock]);
      if (local !== guest[lock]) { wanted[lock] = local; differs = true; }
    }
    if (differs) this.sink.setLocks(wanted);
  }

  /**
   * Listens on `target` (the focusable element showing the guest) and on `doc` for the
   * page being hidden. Returns the function that removes the listeners.
   */
  attach(target: EventTarget, doc?: { addEventListener: EventTarget['addEventListener']; removeEventListener: EventTarget['removeEventListener']; visibilityState?: string }): () => void {
    const down = (e: Event) => { this.keyDown(e as KeyboardEvent); };
    const up = (e: Event) => { this.keyUp(e as KeyboardEvent); };
    const blur = () => this.blurred();
    const focus = () => this.focused();
    const visibility = () => { if (doc?.visibilityState === 'hidden') this.blurred(); };
    target.addEventListener('keydown', down);
    target.addEventListener('keyup', up);
    target.addEventListener('blur', blur);
    target.addEventListener('focus', focus);
    doc?.addEventListener('visibilitychange', visibility);
    return () => {
      target.removeEventListener('keydown', down);
      target.removeEventListener('keyup', up);
      target.removeEventListener('blur', blur);
      target.removeEventListener('focus', focus);
      doc?.removeEventListener('visibilitychange', visibility);
    };
  }
}
