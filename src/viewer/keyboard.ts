/**
 * Keyboard input for the web viewer: browser key events become PC scancodes by
 * `KeyboardEvent.code` (the physical key, whatever the page's or the guest's layout), so
 * the guest's own layout decides the characters: AltGr, dead keys and non-US layouts
 * work as on a local keyboard. Keys the guest gets are not left to the browser
 * (preventDefault); keys still held when the page loses focus are released; the guest's
 * Caps/Num Lock follow the local ones at the first key after focus comes back.
 *
 * The logic takes any object shaped like a KeyboardEvent (tests use plain objects).
 */
import { isKeyName, type KeyEvent } from '../client/input/scancodes.js';
import { comboToEvents } from '../client/input/keynames.js';
import type { LockState } from '../client/input/locks.js';

/** The part of a KeyboardEvent used here. */
export interface KeyLike {
  code: string;
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
}

const LOCK_KEYS: Record<string, keyof LockState> = { CapsLock: 'capsLock', NumLock: 'numLock', ScrollLock: 'scrollLock' };
const MODIFIERS = new Set(['ShiftLeft', 'ShiftRight', 'ControlLeft', 'ControlRight', 'AltLeft', 'AltRight', 'MetaLeft', 'MetaRight']);
const DOM_LOCK_NAMES: Record<keyof LockState, string> = { capsLock: 'CapsLock', numLock: 'NumLock', scrollLock: 'ScrollLock' };

/** Key combinations for a menu: label and xdotool-style combo (see comboToEvents). */
export const KEY_COMBOS: readonly { label: string; combo: string }[] = [
  { label: 'Ctrl+Alt+Del', combo: 'ctrl+alt+Delete' },
  { label: 'Ctrl+Alt+Backspace', combo: 'ctrl+alt+BackSpace' },
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => ({ label: `Ctrl+Alt+F${n}`, combo: `ctrl+alt+F${n}` })),
  { label: 'PrintScreen', combo: 'Print' },
  { label: 'Alt+PrintScreen', combo: 'alt+Print' },
  { label: 'Alt+Tab', combo: 'alt+Tab' },
  { label: 'Alt+F4', combo: 'alt+F4' },
  { label: 'Super (Windows key)', combo: 'Super_L' },
  { label: 'Escape', combo: 'Escape' },
];

export class KeyboardInput {
  /** Keys the guest has been told are down, in press order. */
  readonly pressed = new Set<string>();
  /** When false, events are left to the browser. */
  enabled = true;
  private lockSyncDue = true;
  private readonly syncLocks: readonly (keyof LockState)[];

  constructor(private readonly sink: KeySink, opts: KeyboardOptions = {}) {
    this.syncLocks = opts.syncLocks ?? ['capsLock', 'numLock'];
  }

  /** A keydown: true when the key went to the guest (the event's default was prevented). */
  keyDown(e: KeyLike): boolean {
    if (!this.enabled || e.isComposing || !e.code || !isKeyName(e.code)) return false;
    e.preventDefault();
    if (this.lockSyncDue && !(e.code in LOCK_KEYS)) this.resyncLocks(e);
    // Auto-repeat sends the make code again, as a PC keyboard does.
    this.pressed.add(e.code);
    this.sink.keys([{ key: e.code, down: true }]);
    return true;
  }

  /** A keyup: true when the key went to the guest. */
  keyUp(e: KeyLike): boolean {
    if (!this.enabled || !e.code || !isKeyName(e.code)) return false;
    e.preventDefault();
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
