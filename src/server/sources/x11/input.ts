/**
 * Viewer input into the X server for the x11 source, through XTEST: keys by X keycode,
 * absolute pointer motion, buttons and wheel clicks. Remembers what it holds down, so
 * stopping the source releases it all.
 */
import type { KeyEvent, PointerEvent } from '../../source.js';
import type { X11Connection } from './connection.js';
import { FakeType, encodeFakeInput } from './extensions.js';
import { scancodeToXKeycode } from './keymap.js';

/** Buttons of the SPICE mask, bit by bit, as X buttons. */
const X_BUTTONS = [1, 2, 3, 8, 9];

export class XTestInput {
  private readonly keysDown = new Set<number>();
  private buttons = 0;

  /** `pointer.last`: where the pointer is known to be (motion to the same place is not sent; ours is not news). */
  constructor(
    private readonly conn: X11Connection,
    private readonly major: number,
    private readonly root: number,
    private readonly pointerAt: { last: { x: number; y: number } },
    private readonly warnOnce: (key: string, msg: string) => void,
  ) {}

  key(ev: KeyEvent): void {
    const kc = scancodeToXKeycode(ev.scancode);
    const s = this.conn.setup;
    if (kc === undefined || kc < s.minKeycode || kc > s.maxKeycode) {
      this.warnOnce(`key ${ev.scancode.toString(16)}`, `x11: no X keycode for scancode 0x${ev.scancode.toString(16)}${ev.code ? ` (${ev.code})` : ''}`);
      return;
    }
    if (ev.down) this.keysDown.add(kc); else this.keysDown.delete(kc);
    this.conn.send(encodeFakeInput(this.major, ev.down ? FakeType.KeyPress : FakeType.KeyRelease, kc));
  }

  /** `width` x `height`: the screen the position is clamped to. */
  pointer(ev: PointerEvent, width: number, height: number): void {
    const conn = this.conn, major = this.major;
    const x = Math.max(0, Math.min(width - 1, Math.round(ev.x)));
    const y = Math.max(0, Math.min(height - 1, Math.round(ev.y)));
    const last = this.pointerAt.last;
    if (x !== last.x || y !== last.y) {
      conn.send(encodeFakeInput(major, FakeType.MotionNotify, 0, this.root, x, y));
      this.pointerAt.last = { x, y };
    }
    const changed = (ev.buttons ^ this.buttons) & 0x1f;
    for (let bit = 0; bit < X_BUTTONS.length; bit++) {
      if (!(changed & (1 << bit))) continue;
      conn.send(encodeFakeInput(major, ev.buttons & (1 << bit) ? FakeType.ButtonPress : FakeType.ButtonRelease, X_BUTTONS[bit]!));
    }
    this.buttons = ev.buttons & 0x1f;
    const wheel = Math.max(-64, Math.min(64, Math.trunc(ev.wheel ?? 0)));
    for (let i = 0; i < Math.abs(wheel); i++) {
      const b = wheel < 0 ? 4 : 5;
      conn.send(encodeFakeInput(major, FakeType.ButtonPress, b));
      conn.send(encodeFakeInput(major, FakeType.ButtonRelease, b));
    }
  }

  /** Leaves nothing held down in the X server (the connection must still be open). */
  releaseAll(): void {
    for (const kc of this.keysDown) this.conn.send(encodeFakeInput(this.major, FakeType.KeyRelease, kc));
    for (let bit = 0; bit < X_BUTTONS.length; bit++) {
      if (this.buttons & (1 << bit)) this.conn.send(encodeFakeInput(this.major, FakeType.ButtonRelease, X_BUTTONS[bit]!));
    }
    this.keysDown.clear();
    this.buttons = 0;
  }
}
