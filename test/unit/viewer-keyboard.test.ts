/**
 * The web viewer's keyboard logic (src/viewer/keyboard.ts) with plain objects standing in
 * for KeyboardEvents: codes become key events for the inputs channel, unknown keys are
 * left to the browser, held keys are released on blur, locks follow the local keyboard,
 * combos come out in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyboardInput, KEY_COMBOS, type KeyLike } from '../../src/viewer/keyboard.js';
import type { KeyEvent } from '../../src/client/input/scancodes.js';
import type { LockState } from '../../src/client/input/locks.js';
import { keyEventsToMessages } from '../../src/client/input/scancodes.js';
import { comboToEvents } from '../../src/client/input/keynames.js';

interface FakeKey extends KeyLike { prevented: boolean }

function key(code: string, extra: Partial<KeyLike> & { locks?: Partial<Record<string, boolean>> } = {}): FakeKey {
  const e: FakeKey = {
    code,
    repeat: extra.repeat,
    isComposing: extra.isComposing,
    prevented: false,
    preventDefault() { e.prevented = true; },
    getModifierState: (k: string) => extra.locks?.[k] ?? false,
  };
  return e;
}

function rig(guest?: LockState) {
  const sent: KeyEvent[][] = [];
  const locksSet: LockState[] = [];
  const kb = new KeyboardInput({
    keys: (ev) => sent.push(ev),
    locks: () => guest,
    setLocks: (l) => locksSet.push(l),
  });
  const flat = () => sent.flat().map((e) => `${e.key}${e.down ? '+' : '-'}`);
  return { kb, sent, locksSet, flat };
}

test('keydown/keyup by KeyboardEvent.code become key events; the default is prevented', () => {
  const { kb, flat } = rig();
  for (const code of ['ShiftLeft', 'KeyQ', 'AltRight', 'Digit2']) {
    const e = key(code);
    assert.equal(kb.keyDown(e), true);
    assert.equal(e.prevented, true, `${code} keydown prevented`);
  }
  for (const code of ['Digit2', 'AltRight', 'KeyQ', 'ShiftLeft']) assert.equal(kb.keyUp(key(code)), true);
  assert.deepEqual(flat(), ['ShiftLeft+', 'KeyQ+', 'AltRight+', 'Digit2+', 'Digit2-', 'AltRight-', 'KeyQ-', 'ShiftLeft-']);
  assert.equal(kb.pressed.size, 0);
  // The physical key, not the character: a German 'z' (KeyY position) is still KeyY.
  const m = keyEventsToMessages([{ key: 'KeyY', down: true }]);
  assert.deepEqual(m, [{ name: 'key_down', body: { code: 0x15 } }]);
});

test('keys with no scancode, IME composition and an empty code stay with the browser', () => {
  const { kb, sent } = rig();
  for (const e of [key('Unidentified'), key(''), key('Fn'), key('KeyA', { isComposing: true })]) {
    assert.equal(kb.keyDown(e), false);
    assert.equal(e.prevented, false, `'${e.code}' not prevented`);
  }
  assert.equal(sent.length, 0);
});

test('auto-repeat resends the make code; a keyup for a key never sent down is not forwarded', () => {
  const { kb, flat } = rig();
  kb.keyDown(key('KeyA'));
  kb.keyDown(key('KeyA', { repeat: true }));
  kb.keyDown(key('KeyA', { repeat: true }));
  kb.keyUp(key('KeyA'));
  const stray = key('KeyB');
  assert.equal(kb.keyUp(stray), false);
  assert.equal(stray.prevented, true, 'the stray keyup is still kept from the page');
  assert.deepEqual(flat(), ['KeyA+', 'KeyA+', 'KeyA+', 'KeyA-']);
});

test('blur releases every held key, last pressed first, once', () => {
  const { kb, flat } = rig();
  kb.keyDown(key('ControlLeft'));
  kb.keyDown(key('AltLeft'));
  kb.keyDown(key('KeyT'));
  kb.blurred();
  assert.deepEqual(flat().slice(3), ['KeyT-', 'AltLeft-', 'ControlLeft-']);
  kb.blurred();
  assert.equal(flat().length, 6, 'nothing more to release');
  // The real keyups arriving later are not sent again.
  kb.keyUp(key('KeyT'));
  assert.equal(flat().length, 6);
});

test('releasing Command (MetaLeft) also releases keys macOS never sent keyups for', () => {
  const { kb, flat } = rig();
  kb.keyDown(key('ShiftLeft'));
  kb.keyDown(key('MetaLeft'));
  kb.keyDown(key('KeyC'));
  kb.keyUp(key('MetaLeft'));
  assert.deepEqual(flat().slice(3), ['MetaLeft-', 'KeyC-']);
  assert.deepEqual([...kb.pressed], ['ShiftLeft'], 'modifiers stay held');
});

test('lock state: at the first key after focus, differing locks are set; lock keys themselves do not trigger it', () => {
  const { kb, locksSet } = rig({ capsLock: false, numLock: true, scrollLock: true });
  kb.keyDown(key('CapsLock', { locks: { CapsLock: true, NumLock: true } }));
  assert.equal(locksSet.length, 0, 'a lock key toggles the guest itself');
  kb.keyDown(key('KeyA', { locks: { CapsLock: true, NumLock: false } }));
  // Scroll Lock is not synced by default: the guest's value is kept.
  assert.deepEqual(locksSet, [{ capsLock: true, numLock: false, scrollLock: true }]);
  kb.keyDown(key('KeyB', { locks: { CapsLock: false } }));
  assert.equal(locksSet.length, 1, 'only once per focus');
  kb.focused();
  kb.keyDown(key('KeyC', { locks: { CapsLock: false, NumLock: true } }));
  assert.equal(locksSet.length, 1, 'nothing differs: nothing sent');
});

test('no lock sync while the guest state is unknown', () => {
  const { kb, locksSet } = rig(undefined);
  kb.keyDown(key('KeyA', { locks: { CapsLock: true } }));
  assert.equal(locksSet.length, 0);
});

test('sendCombo releases held keys, then presses the combo and releases it in reverse', () => {
  const { kb, flat } = rig();
  kb.keyDown(key('ShiftRight'));
  kb.sendCombo('ctrl+alt+Delete');
  assert.deepEqual(flat(), ['ShiftRight+', 'ShiftRight-', 'ControlLeft+', 'AltLeft+', 'Delete+', 'Delete-', 'AltLeft-', 'ControlLeft-']);
  assert.throws(() => kb.sendCombo('ctrl+nosuchkey'), /unknown key name/);
});

test('every menu combo resolves to keys', () => {
  for (const c of KEY_COMBOS) {
    const ev = comboToEvents(c.combo);
    assert.ok(ev.length >= 2 && ev.filter((e) => e.down).length === ev.length / 2, `${c.label}: ${c.combo}`);
  }
  assert.ok(KEY_COMBOS.some((c) => c.label === 'Ctrl+Alt+Del'));
});

test('disabled: events are left alone', () => {
  const { kb, sent } = rig();
  kb.enabled = false;
  const e = key('KeyA');
  assert.equal(kb.keyDown(e), false);
  assert.equal(e.prevented, false);
  assert.equal(sent.length, 0);
});

test('attach: DOM-style listeners drive the same logic and come off again', () => {
  const { kb, flat } = rig();
  const target = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const detach = kb.attach(target, doc);
  const fire = (type: string, code: string) => {
    const ev = Object.assign(new Event(type, { cancelable: true }), { code, getModifierState: () => false });
    target.dispatchEvent(ev);
    return ev;
  };
  assert.equal(fire('keydown', 'KeyZ').defaultPrevented, true);
  doc.visibilityState = 'hidden';
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.deepEqual(flat(), ['KeyZ+', 'KeyZ-'], 'hiding the page released the key');
  fire('keydown', 'KeyX');
  target.dispatchEvent(new Event('blur'));
  assert.deepEqual(flat().slice(2), ['KeyX+', 'KeyX-']);
  detach();
  fire('keydown', 'KeyW');
  assert.equal(flat().length, 4, 'no listener after detach');
});

test('a dead key (key "Dead") still sends its physical key; the guest layout composes the accent', () => {
  const { kb, flat } = rig();
  for (const code of ['Equal', 'KeyE']) {
    const e = Object.assign(key(code), { key: code === 'Equal' ? 'Dead' : 'é' });
    assert.equal(kb.keyDown(e), true);
    assert.equal(e.prevented, true);
    kb.keyUp(Object.assign(key(code), { key: code === 'Equal' ? 'Dead' : 'é' }));
  }
  assert.deepEqual(flat(), ['Equal+', 'Equal-', 'KeyE+', 'KeyE-']);
});

function altGrRig() {
  const sent: KeyEvent[][] = [];
  const kb = new KeyboardInput({ keys: (ev) => sent.push(ev) }, { altGrFilter: true });
  const flat = () => sent.flat().map((e) => `${e.key}${e.down ? '+' : '-'}`);
  const at = (code: string, timeStamp: number, k?: string) => Object.assign(key(code), { timeStamp, key: k });
  return { kb, flat, at };
}

test('AltGr filter: the ControlLeft Windows sends with AltRight at the same instant is dropped, down and up', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { kb, flat, at } = altGrRig();
  const ctrl = at('ControlLeft', 1000.5, 'Control');
  assert.equal(kb.keyDown(ctrl), true);
  assert.equal(ctrl.prevented, true, 'held back, still kept from the page');
  assert.deepEqual(flat(), [], 'nothing sent yet');
  kb.keyDown(at('AltRight', 1000.5, 'AltGraph'));
  kb.keyDown(at('KeyQ', 1100, '@'));
  kb.keyUp(at('KeyQ', 1150, '@'));
  kb.keyUp(at('ControlLeft', 1200, 'Control'));
  kb.keyUp(at('AltRight', 1200, 'AltGraph'));
  t.mock.timers.tick(100);
  assert.deepEqual(flat(), ['AltRight+', 'KeyQ+', 'KeyQ-', 'AltRight-']);
  assert.equal(kb.pressed.size, 0);
});

test('AltGr filter: a real Ctrl goes down after the wait, or at once when another key follows, before that key', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { kb, flat, at } = altGrRig();
  kb.keyDown(at('ControlLeft', 10));
  t.mock.timers.tick(49);
  assert.deepEqual(flat(), []);
  t.mock.timers.tick(1);
  assert.deepEqual(flat(), ['ControlLeft+'], 'sent when nothing followed within the wait');
  kb.keyDown(at('ControlLeft', 40));
  assert.deepEqual(flat(), ['ControlLeft+', 'ControlLeft+'], 'auto-repeat of a Ctrl already down is not held back');
  kb.keyUp(at('ControlLeft', 60));

  // Ctrl, then C a moment later (Ctrl+C): Ctrl first.
  kb.keyDown(at('ControlLeft', 100));
  kb.keyDown(at('KeyC', 105));
  // Ctrl, then AltRight pressed by hand (not the same instant): both go.
  kb.keyUp(at('KeyC', 150));
  kb.keyUp(at('ControlLeft', 160));
  kb.keyDown(at('ControlLeft', 200));
  kb.keyDown(at('AltRight', 230));
  kb.keyUp(at('AltRight', 260));
  kb.keyUp(at('ControlLeft', 270));
  // A Ctrl tap shorter than the wait: down and up both go, in order.
  kb.keyDown(at('ControlLeft', 300));
  kb.keyUp(at('ControlLeft', 320));
  assert.deepEqual(flat().slice(3), [
    'ControlLeft+', 'KeyC+', 'KeyC-', 'ControlLeft-',
    'ControlLeft+', 'AltRight+', 'AltRight-', 'ControlLeft-',
    'ControlLeft+', 'ControlLeft-',
  ]);
  // A click right after Ctrl (Ctrl+click): the viewer lets the held Ctrl go first.
  kb.keyDown(at('ControlLeft', 350));
  kb.flushHeld();
  assert.deepEqual(flat().slice(13), ['ControlLeft+']);
  kb.keyUp(at('ControlLeft', 360));
  // Focus lost while Ctrl is held back: it never reaches the guest, so nothing to release.
  kb.keyDown(at('ControlLeft', 400));
  kb.blurred();
  t.mock.timers.tick(100);
  assert.equal(flat().length, 15);
  assert.equal(kb.pressed.size, 0);
});

test('AltGr filter: off by default away from Windows; on for a Windows navigator', async () => {
  const { onWindows } = await import('../../src/viewer/keyboard.js');
  assert.equal(onWindows({ platform: 'Win32' }), true);
  assert.equal(onWindows({ userAgentData: { platform: 'Windows' }, platform: 'Win32' }), true);
  assert.equal(onWindows({ platform: 'Linux x86_64' }), false);
  assert.equal(onWindows({ platform: 'MacIntel' }), false);
  assert.equal(onWindows({ platform: '', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }), true);
  assert.equal(onWindows(undefined), false);
  // Without the filter a ControlLeft goes down at once.
  const { kb, flat } = rig();
  kb.keyDown(key('ControlLeft'));
  assert.deepEqual(flat(), ['ControlLeft+']);
});
