/**
 * Mouse buttons as the inputs channel carries them: MOUSE_PRESS / MOUSE_RELEASE name one button
 * (SPICE_MOUSE_BUTTON_*) and carry the state of all buttons after the event
 * (SPICE_MOUSE_BUTTON_MASK_*); MOTION and POSITION carry the same state. The wheel is a press
 * and release of UP or DOWN. As in spice-gtk, UP and DOWN are momentary and never appear in the
 * state; the held buttons (left, middle, right, side, extra) do.
 */
import { MouseButton, MouseButtonMask } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';

export type ButtonName = 'left' | 'middle' | 'right' | 'up' | 'down' | 'side' | 'extra';

const BY_NAME: Record<string, number> = {
  left: MouseButton.LEFT, middle: MouseButton.MIDDLE, right: MouseButton.RIGHT,
  up: MouseButton.UP, down: MouseButton.DOWN, side: MouseButton.SIDE, extra: MouseButton.EXTRA,
  // common synonyms: wheel directions, and the browser's names for the thumb buttons
  wheelup: MouseButton.UP, wheeldown: MouseButton.DOWN, back: MouseButton.SIDE, forward: MouseButton.EXTRA,
};

// X / xdotool button numbers: 1-5 are SPICE's too; 8 and 9 are the thumb buttons (6/7 are
// horizontal scrolling, which SPICE cannot carry).
const BY_X_NUMBER: Record<number, number> = {
  1: MouseButton.LEFT, 2: MouseButton.MIDDLE, 3: MouseButton.RIGHT, 4: MouseButton.UP, 5: MouseButton.DOWN,
  8: MouseButton.SIDE, 9: MouseButton.EXTRA,
};

const MASK_OF: Record<number, number> = {
  [MouseButton.LEFT]: MouseButtonMask.LEFT, [MouseButton.MIDDLE]: MouseButtonMask.MIDDLE,
  [MouseButton.RIGHT]: MouseButtonMask.RIGHT, [MouseButton.UP]: MouseButtonMask.UP,
  [MouseButton.DOWN]: MouseButtonMask.DOWN, [MouseButton.SIDE]: MouseButtonMask.SIDE,
  [MouseButton.EXTRA]: MouseButtonMask.EXTRA,
};

/**
 * A SPICE button id from command-line text: a name ('left', 'wheelup', 'back', ...) or an
 * X/xdotool button number (1 left, 2 middle, 3 right, 4 wheel up, 5 wheel down, 8 back, 9 forward).
 */
export function parseButton(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const id = BY_X_NUMBER[Number(t)];
    if (id === undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `mouse button ${t} is not one SPICE can send (1-5, 8, 9)`);
    return id;
  }
  const id = BY_NAME[t.toLowerCase()];
  if (id === undefined) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown mouse button '${text}' (left, middle, right, up, down, side, extra, back, forward, or 1-5, 8, 9)`);
  }
  return id;
}

/** SPICE_MOUSE_BUTTON_MASK bit of a SPICE button id. */
export function buttonMask(button: number): number {
  const m = MASK_OF[button];
  if (m === undefined) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `mouse button id ${button} is not a SPICE button (1-7)`);
  return m;
}

/** True for the buttons that stay down between press and release (all but the wheel). */
export function isHeldButton(button: number): boolean {
  return button !== MouseButton.UP && button !== MouseButton.DOWN;
}

export type MouseButtonMessage =
  | { name: 'mouse_press'; body: { button: number; buttons_state: number } }
  | { name: 'mouse_release'; body: { button: number; buttons_state: number } };

/**
 * Tracks which buttons are down and builds the press/release/wheel messages. Buttons are SPICE
 * ids (numbers, MouseButton.*) or text for parseButton.
 */
export class MouseButtonState {
  /** SPICE_MOUSE_BUTTON_MASK bits of the buttons now down; goes into MOTION/POSITION too. */
  state = 0;

  press(button: string | number): MouseButtonMessage {
    const id = typeof button === 'number' ? checkId(button) : parseButton(button);
    if (isHeldButton(id)) this.state |= buttonMask(id);
    return { name: 'mouse_press', body: { button: id, buttons_state: this.state } };
  }

  release(button: string | number): MouseButtonMessage {
    const id = typeof button === 'number' ? checkId(button) : parseButton(button);
    if (isHeldButton(id)) this.state &= ~buttonMask(id);
    return { name: 'mouse_release', body: { button: id, buttons_state: this.state } };
  }

  click(button: string | number): MouseButtonMessage[] {
    return [this.press(button), this.release(button)];
  }

  /** `clicks` wheel steps: negative scrolls up (away from the user), positive down. */
  wheel(clicks: number): MouseButtonMessage[] {
    if (!Number.isInteger(clicks)) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `wheel clicks ${clicks} is not an integer`);
    const b = clicks < 0 ? MouseButton.UP : MouseButton.DOWN;
    const out: MouseButtonMessage[] = [];
    for (let i = 0; i < Math.abs(clicks); i++) out.push(...this.click(b));
    return out;
  }

  /** MOUSE_POSITION (client mouse mode) with the current button state. */
  position(x: number, y: number, displayId = 0): { name: 'mouse_position'; body: { x: number; y: number; buttons_state: number; display_id: number } } {
    return { name: 'mouse_position', body: { x, y, buttons_state: this.state, display_id: displayId } };
  }

  /** MOUSE_MOTION (server mouse mode, relative) with the current button state. */
  motion(dx: number, dy: number): { name: 'mouse_motion'; body: { dx: number; dy: number; buttons_state: number } } {
    return { name: 'mouse_motion', body: { dx, dy, buttons_state: this.state } };
  }
}

function checkId(id: number): number {
  buttonMask(id);
  return id;
}
