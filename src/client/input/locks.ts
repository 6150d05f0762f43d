/**
 * Keyboard lock state (Scroll/Num/Caps Lock) as the inputs channel carries it:
 * the client sends KEY_MODIFIERS to set the guest's locks (the server presses the lock keys
 * that differ), the server reports the guest's state in INPUTS_INIT and KEY_MODIFIERS.
 */
import { KeyboardModifierFlags } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import type { KeyName } from './scancodes.js';

export interface LockState {
  scrollLock: boolean;
  numLock: boolean;
  capsLock: boolean;
}

/** The u16 keyboard_modifier_flags value for a lock state (missing locks count as off). */
export function locksToModifiers(locks: Partial<LockState>): number {
  return (locks.scrollLock ? KeyboardModifierFlags.SCROLL_LOCK : 0)
    | (locks.numLock ? KeyboardModifierFlags.NUM_LOCK : 0)
    | (locks.capsLock ? KeyboardModifierFlags.CAPS_LOCK : 0);
}

/** Lock state from a keyboard_modifier_flags value; bits SPICE does not define are ignored. */
export function modifiersToLocks(modifiers: number): LockState {
  if (!Number.isInteger(modifiers) || modifiers < 0 || modifiers > 0xffff) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `keyboard modifiers ${modifiers} is not a u16`);
  }
  return {
    scrollLock: (modifiers & KeyboardModifierFlags.SCROLL_LOCK) !== 0,
    numLock: (modifiers & KeyboardModifierFlags.NUM_LOCK) !== 0,
    capsLock: (modifiers & KeyboardModifierFlags.CAPS_LOCK) !== 0,
  };
}

/** The SPICE_MSGC_INPUTS_KEY_MODIFIERS message that sets the guest's locks to `locks`. */
export function keyModifiersMessage(locks: Partial<LockState>): { name: 'key_modifiers'; body: { modifiers: number } } {
  return { name: 'key_modifiers', body: { modifiers: locksToModifiers(locks) } };
}

/**
 * The guest's lock state from a decoded server message of the inputs channel:
 * INPUTS_INIT ('init', keyboard_modifiers) or KEY_MODIFIERS ('key_modifiers', modifiers).
 * Undefined for any other message.
 */
export function locksFromServerMessage(msg: { name: string; body: Record<string, unknown> }): LockState | undefined {
  const v = msg.name === 'init' ? msg.body.keyboard_modifiers : msg.name === 'key_modifiers' ? msg.body.modifiers : undefined;
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new SpiceError(ErrorCode.BAD_ARGUMENT, `inputs ${msg.name} message has no numeric modifiers`);
  return modifiersToLocks(v);
}

/** Lock keys whose press and release take the guest from `current` to `wanted`. */
export function lockKeysToToggle(current: LockState, wanted: Partial<LockState>): KeyName[] {
  const out: KeyName[] = [];
  if (wanted.capsLock !== undefined && wanted.capsLock !== current.capsLock) out.push('CapsLock');
  if (wanted.numLock !== undefined && wanted.numLock !== current.numLock) out.push('NumLock');
  if (wanted.scrollLock !== undefined && wanted.scrollLock !== current.scrollLock) out.push('ScrollLock');
  return out;
}
