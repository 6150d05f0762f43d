/**
 * The inputs channel, client side: keys as set-1 scancodes, lock
 * modifiers, mouse motion (server mode), position (client mode), buttons.
 *
 * Motion flow control: the server acknowledges every bunch of 4 motion or
 * position messages (MOUSE_MOTION_ACK); like spice-gtk, at most two bunches
 * are left unacknowledged, and motion beyond that is merged into the next
 * message sent once an acknowledgement arrives.
 */
import { InputsCap, MouseButton, MouseButtonMask } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { ChannelClient, type HandlerTable } from './base.js';
import { isHeldButton } from '../input/mouse.js';
import { keyEventsToMessages, type KeyEvent } from '../input/scancodes.js';

/** SPICE_INPUT_MOTION_ACK_BUNCH */
export const MOTION_ACK_BUNCH = 4;

const BUTTON_MASK: Record<number, number> = {
  [MouseButton.LEFT]: MouseButtonMask.LEFT,
  [MouseButton.MIDDLE]: MouseButtonMask.MIDDLE,
  [MouseButton.RIGHT]: MouseButtonMask.RIGHT,
  [MouseButton.UP]: MouseButtonMask.UP,
  [MouseButton.DOWN]: MouseButtonMask.DOWN,
  [MouseButton.SIDE]: MouseButtonMask.SIDE,
  [MouseButton.EXTRA]: MouseButtonMask.EXTRA,
};

export class InputsClient extends ChannelClient {
  /** Lock LEDs as the server last reported them (KeyboardModifierFlags). */
  modifiers = 0;
  buttons = 0;
  private unacked = 0;
  private pendingMotion?: { dx: number; dy: number };
  private pendingPosition?: { x: number; y: number; display: number };
  private ackWaiters: (() => void)[] = [];
  onModifiers?: (m: number) => void;

  private readonly handlers: HandlerTable<'inputs'> = {
    init: (b) => { this.modifiers = b.keyboard_modifiers; this.onModifiers?.(this.modifiers); },
    key_modifiers: (b) => { this.modifiers = b.modifiers; this.onModifiers?.(this.modifiers); },
    mouse_motion_ack: () => {
      this.unacked = Math.max(0, this.unacked - MOTION_ACK_BUNCH);
      this.flushPending();
      if (this.settled()) this.wake();
    },
  };

  protected handler(name: string) {
    return this.handlers[name as keyof HandlerTable<'inputs'>] as ((body: never) => void) | undefined;
  }

  get hasScancodeCap(): boolean {
    return this.channel.linkInfo?.client?.serverChannelCaps.includes(InputsCap.KEY_SCANCODE) ?? false;
  }

  /** KEY_DOWN with the SPICE code (E0-prefixed keys: (code << 8) | 0xE0). */
  keyDown(code: number): void {
    this.channel.send({ name: 'key_down', body: { code } });
  }

  keyUp(code: number): void {
    this.channel.send({ name: 'key_up', body: { code } });
  }

  /** Raw scancode bytes (KEY_SCANCODE); needs the server's KEY_SCANCODE cap. */
  scancodes(bytes: Uint8Array): void {
    if (!this.hasScancodeCap) throw new SpiceError(ErrorCode.UNSUPPORTED, 'the server does not take raw scancodes (no KEY_SCANCODE capability)', { channel: 'inputs' });
    this.channel.send({ name: 'key_scancode', body: { data: bytes } });
  }

  /**
   * Plays key events in order, `delayMs` apart (0: all at once). With the
   * server's KEY_SCANCODE cap and no delay, one message carries them all.
   */
  async keys(events: readonly KeyEvent[], delayMs = 0): Promise<void> {
    if (delayMs <= 0) {
      for (const m of keyEventsToMessages(events, { scancodeCap: this.hasScancodeCap })) this.channel.send(m);
      return;
    }
    for (const e of events) {
      if (this.closed) throw new SpiceError(ErrorCode.CLOSED, 'the inputs channel closed while keys were being sent', { channel: 'inputs' });
      for (const m of keyEventsToMessages([e])) this.channel.send(m);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }

  setLocks(modifiers: number): void {
    this.channel.send({ name: 'key_modifiers', body: { modifiers } });
  }

  /** Relative motion (server mouse mode). */
  motion(dx: number, dy: number): void {
    if (this.unacked >= MOTION_ACK_BUNCH * 2) {
      const p = this.pendingMotion ?? { dx: 0, dy: 0 };
      p.dx += dx;
      p.dy += dy;
      this.pendingMotion = p;
      return;
    }
    this.unacked++;
    this.channel.send({ name: 'mouse_motion', body: { dx, dy, buttons_state: this.buttons } });
  }

  /** Absolute position (client mouse mode), in the coordinates of display `display`. */
  position(x: number, y: number, display = 0): void {
    if (this.unacked >= MOTION_ACK_BUNCH * 2) {
      this.pendingPosition = { x, y, display };
      return;
    }
    this.unacked++;
    this.channel.send({ name: 'mouse_position', body: { x, y, buttons_state: this.buttons, display_id: display } });
  }

  press(button: number): void {
    // Wheel "buttons" are pressed and released at once and never held (as spice-gtk does).
    if (isHeldButton(button)) this.buttons |= BUTTON_MASK[button] ?? 0;
    this.channel.send({ name: 'mouse_press', body: { button, buttons_state: this.buttons } });
  }

  release(button: number): void {
    if (isHeldButton(button)) this.buttons &= ~(BUTTON_MASK[button] ?? 0);
    this.channel.send({ name: 'mouse_release', body: { button, buttons_state: this.buttons } });
  }

  /**
   * Resolves when no motion is held back by flow control (the server acks in
   * bunches, so up to a bunch may stay unacknowledged), or the channel closed.
   */
  motionSettled(): Promise<void> {
    if (this.closed || this.settled()) return Promise.resolve();
    return new Promise((resolve) => this.ackWaiters.push(resolve));
  }

  protected override onClose(): void {
    this.wake();
  }

  private settled(): boolean {
    return this.unacked < MOTION_ACK_BUNCH && !this.pendingMotion && !this.pendingPosition;
  }

  private wake(): void {
    const w = this.ackWaiters;
    this.ackWaiters = [];
    for (const f of w) f();
  }

  private flushPending(): void {
    const m = this.pendingMotion;
    const p = this.pendingPosition;
    this.pendingMotion = undefined;
    this.pendingPosition = undefined;
    if (m) this.motion(m.dx, m.dy);
    if (p) this.position(p.x, p.y, p.display);
  }
}
