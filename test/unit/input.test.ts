/**
 * Keyboard and mouse input (src/client/input): set-1 scancodes and their SPICE packing,
 * xdotool key names and combos, US-layout typing, lock state, mouse buttons; checked by hand,
 * against the input messages real spice-gtk clients sent in the golden captures, and against
 * QEMU's own en-us keymap when it is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  KEY_NAMES, comboToEvents, gtkScancode, keyDownCodes, keyEventsToMessages, keyFromScancode,
  keyModifiersMessage, keyScancodeData, keySequenceToEvents, keyUpCodes, knownKeyNames,
  lockKeysToToggle, locksFromServerMessage, locksToModifiers, makeCode, modifiersToLocks,
  MouseButtonState, buttonMask, packScancode, parseButton, resolveKeyName, scancodeBytes,
  textToKeyEvents, unpackScancode, usCharFor, usStrokeFor, type KeyEvent,
} from '../../src/client/input/index.js';
import { MouseButton } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { decodeMessage, encodeMessage, type AnyMessage } from '../../src/protocol/messages.js';
import { channels } from '../../src/protocol/schema/channels.js';
import { loadGolden } from '../helpers/golden.js';

const REQUIRED = process.env.SPICE_INTEROP === 'required';

const down = (key: string): KeyEvent => ({ key, down: true });
const up = (key: string): KeyEvent => ({ key, down: false });

function badArgument(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpiceError, `expected SpiceError, got ${String(e)}`);
    assert.equal(e.code, ErrorCode.BAD_ARGUMENT);
    assert.match(e.message, re);
    return true;
  });
}

// ------------------------------------------------------------ scancodes

test('set-1 make codes and KEY_DOWN/KEY_UP codes, checked by hand', () => {
  // [key, KEY_DOWN code, KEY_UP code]: one-byte keys are the make code and make|0x80;
  // E0 keys carry E0 in the low byte and the (released) code in the next.
  const table: [string, number, number][] = [
    ['KeyA', 0x1e, 0x9e], ['KeyQ', 0x10, 0x90], ['KeyZ', 0x2c, 0xac], ['KeyM', 0x32, 0xb2], ['KeyP', 0x19, 0x99],
    ['Digit1', 0x02, 0x82], ['Digit9', 0x0a, 0x8a], ['Digit0', 0x0b, 0x8b],
    ['Escape', 0x01, 0x81], ['Backspace', 0x0e, 0x8e], ['Tab', 0x0f, 0x8f], ['Enter', 0x1c, 0x9c], ['Space', 0x39, 0xb9],
    ['Minus', 0x0c, 0x8c], ['Backquote', 0x29, 0xa9], ['Backslash', 0x2b, 0xab], ['IntlBackslash', 0x56, 0xd6],
    ['ShiftLeft', 0x2a, 0xaa], ['ShiftRight', 0x36, 0xb6], ['ControlLeft', 0x1d, 0x9d], ['ControlRight', 0x1de0, 0x9de0],
    ['AltLeft', 0x38, 0xb8], ['AltRight', 0x38e0, 0xb8e0], ['MetaLeft', 0x5be0, 0xdbe0], ['MetaRight', 0x5ce0, 0xdce0],
    ['ContextMenu', 0x5de0, 0xdde0], ['CapsLock', 0x3a, 0xba], ['NumLock', 0x45, 0xc5], ['ScrollLock', 0x46, 0xc6],
    ['ArrowUp', 0x48e0, 0xc8e0], ['ArrowDown', 0x50e0, 0xd0e0], ['ArrowLeft', 0x4be0, 0xcbe0], ['ArrowRight', 0x4de0, 0xcde0],
    ['Insert', 0x52e0, 0xd2e0], ['Delete', 0x53e0, 0xd3e0], ['Home', 0x47e0, 0xc7e0], ['End', 0x4fe0, 0xcfe0],
    ['PageUp', 0x49e0, 0xc9e0], ['PageDown', 0x51e0, 0xd1e0],
    // keypad: digits share codes with the navigation keys, without the E0
    ['Numpad7', 0x47, 0xc7], ['Numpad0', 0x52, 0xd2], ['NumpadDecimal', 0x53, 0xd3], ['NumpadMultiply', 0x37, 0xb7],
    ['NumpadSubtract', 0x4a, 0xca], ['NumpadAdd', 0x4e, 0xce], ['NumpadEnter', 0x1ce0, 0x9ce0], ['NumpadDivide', 0x35e0, 0xb5e0],
    ['F1', 0x3b, 0xbb], ['F10', 0x44, 0xc4], ['F11', 0x57, 0xd7], ['F12', 0x58, 0xd8],
    ['PrintScreen', 0x37e0, 0xb7e0], ['SysRq', 0x54, 0xd4],
    ['AudioVolumeMute', 0x20e0, 0xa0e0], ['AudioVolumeUp', 0x30e0, 0xb0e0], ['MediaPlayPause', 0x22e0, 0xa2e0], ['Power', 0x5ee0, 0xdee0],
  ];
  for (const [key, d, u] of table) {
    assert.deepEqual(keyDownCodes(key), [{ code: d }], `${key} down`);
    assert.deepEqual(keyUpCodes(key), [{ code: u }], `${key} up`);
  }
});

test('Pause: E1 1D 45 E1 9D C5, split between press and release as spice-gtk does', () => {
  assert.deepEqual(keyDownCodes('Pause'), [{ code: 0x1de1 }, { code: 0x45 }]);
  assert.deepEqual(keyUpCodes('Pause'), [{ code: 0x9de1 }, { code: 0xc5 }]);
  assert.deepEqual([...keyScancodeData('Pause')], [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]);
  // What the server feeds the guest from the KEY_DOWN/KEY_UP messages is the same byte string.
  const fed = [...keyDownCodes('Pause'), ...keyUpCodes('Pause')].flatMap((c) => unpackScancode(c.code));
  assert.deepEqual(fed, [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]);
  assert.deepEqual(keyFromScancode([0xe1, 0x1d, 0x45]), { key: 'Pause', down: true });
  assert.deepEqual(keyFromScancode([0xe1, 0x9d, 0xc5]), { key: 'Pause', down: false });
});

test('every key: packing, KEY_SCANCODE bytes, spice-gtk numbering and uniqueness agree', () => {
  const seen = new Map<number, string>();
  for (const key of KEY_NAMES) {
    const make = scancodeBytes(key, true);
    const brk = scancodeBytes(key, false);
    const fed = [...keyDownCodes(key), ...keyUpCodes(key)].flatMap((c) => unpackScancode(c.code));
    assert.deepEqual(fed, [...make, ...brk], `${key}: KEY_DOWN/UP codes carry the make and break bytes`);
    assert.deepEqual([...keyScancodeData(key)], [...make, ...brk], `${key}: KEY_SCANCODE press+release`);
    assert.deepEqual([...keyScancodeData(key, 'press')], make);
    assert.deepEqual([...keyScancodeData(key, 'release')], brk);
    if (key === 'Pause') continue;
    assert.ok(make.every((b) => b !== 0) && (make[make.length - 1]! & 0x80) === 0, `${key}: make code has no release bit`);
    assert.equal(brk[brk.length - 1], make[make.length - 1]! | 0x80, `${key}: break = make | 0x80`);
    // spice-gtk's API number: the set-1 code with 0x100 for an E0 prefix.
    const g = gtkScancode(key);
    assert.deepEqual(make, g > 0xff ? [0xe0, g & 0xff] : [g], `${key}: spice-gtk number 0x${g.toString(16)}`);
    const m = makeCode(key)!;
    assert.ok(!seen.has(m), `${key} and ${seen.get(m)} share make code 0x${m.toString(16)}`);
    seen.set(m, key);
    assert.deepEqual(keyFromScancode(make), { key, down: true });
    assert.deepEqual(keyFromScancode(brk), { key, down: false });
  }
  assert.ok(KEY_NAMES.length >= 105 + 20, `only ${KEY_NAMES.length} keys`);
});

test('the code field encodes low byte first on the wire', () => {
  const msgs = keyEventsToMessages([down('ControlRight'), up('ControlRight')]);
  const wire = msgs.map((m) => encodeMessage(channels.inputs, 'client', m as AnyMessage));
  assert.deepEqual(wire.map((w) => w.type), [101, 102]);
  assert.deepEqual([...wire[0]!.body], [0xe0, 0x1d, 0x00, 0x00]);
  assert.deepEqual([...wire[1]!.body], [0xe0, 0x9d, 0x00, 0x00]);
  const sc = encodeMessage(channels.inputs, 'client', keyEventsToMessages([down('KeyA'), up('KeyA')], { scancodeCap: true })[0] as AnyMessage);
  assert.equal(sc.type, 104);
  assert.deepEqual([...sc.body], [0x1e, 0x9e]);
  badArgument(() => packScancode([1, 2, 3, 4, 5]), /1 to 4 bytes/);
  badArgument(() => packScancode([0xe0, 0]), /byte 0 is not 1\.\.255/);
  badArgument(() => scancodeBytes('Key1', true), /unknown key 'Key1'/);
});

// ------------------------------------------------------------ key names and combos

test('xdotool names resolve to keys, aliases and long names ignoring case', () => {
  const cases: [string, string, boolean][] = [
    ['ctrl', 'ControlLeft', false], ['CTRL', 'ControlLeft', false], ['Control_L', 'ControlLeft', false],
    ['Control_R', 'ControlRight', false], ['alt', 'AltLeft', false], ['Alt_R', 'AltRight', false],
    ['super', 'MetaLeft', false], ['Super_R', 'MetaRight', false], ['shift', 'ShiftLeft', false], ['Shift_R', 'ShiftRight', false],
    ['Return', 'Enter', false], ['return', 'Enter', false], ['Escape', 'Escape', false], ['BackSpace', 'Backspace', false],
    ['Tab', 'Tab', false], ['ISO_Left_Tab', 'Tab', true], ['space', 'Space', false], ['Delete', 'Delete', false],
    ['Home', 'Home', false], ['End', 'End', false], ['Page_Up', 'PageUp', false], ['Prior', 'PageUp', false],
    ['Next', 'PageDown', false], ['Up', 'ArrowUp', false], ['Left', 'ArrowLeft', false], ['F1', 'F1', false],
    ['f12', 'F12', false], ['F24', 'F24', false], ['KP_Enter', 'NumpadEnter', false], ['KP_0', 'Numpad0', false],
    ['kp_7', 'Numpad7', false], ['Print', 'PrintScreen', false], ['Scroll_Lock', 'ScrollLock', false],
    ['Pause', 'Pause', false], ['Menu', 'ContextMenu', false], ['Caps_Lock', 'CapsLock', false],
    ['Num_Lock', 'NumLock', false], ['Insert', 'Insert', false],
    ['a', 'KeyA', false], ['A', 'KeyA', true], ['z', 'KeyZ', false], ['1', 'Digit1', false], ['0', 'Digit0', false],
    ['minus', 'Minus', false], ['equal', 'Equal', false], ['plus', 'Equal', true], ['bracketleft', 'BracketLeft', false],
    ['semicolon', 'Semicolon', false], ['apostrophe', 'Quote', false], ['grave', 'Backquote', false],
    ['backslash', 'Backslash', false], ['comma', 'Comma', false], ['period', 'Period', false], ['slash', 'Slash', false],
    ['question', 'Slash', true], ['exclam', 'Digit1', true], ['XF86AudioMute', 'AudioVolumeMute', false],
    ['ControlLeft', 'ControlLeft', false], ['KeyQ', 'KeyQ', false],
  ];
  for (const [name, key, shift] of cases) assert.deepEqual(resolveKeyName(name), { key, shift }, name);
});

test('combos: pressed in order, released in reverse; Shift added for shifted keysyms', () => {
  assert.deepEqual(comboToEvents('ctrl+alt+Delete'), [
    down('ControlLeft'), down('AltLeft'), down('Delete'), up('Delete'), up('AltLeft'), up('ControlLeft'),
  ]);
  assert.deepEqual(comboToEvents('CTRL+ALT+delete'), comboToEvents('ctrl+alt+Delete'));
  assert.deepEqual(comboToEvents('ctrl+A'), [down('ControlLeft'), down('ShiftLeft'), down('KeyA'), up('KeyA'), up('ShiftLeft'), up('ControlLeft')]);
  // Shift already held: not pressed twice.
  assert.deepEqual(comboToEvents('Shift_R+A'), [down('ShiftRight'), down('KeyA'), up('KeyA'), up('ShiftRight')]);
  assert.deepEqual(comboToEvents('ctrl++'), [down('ControlLeft'), down('ShiftLeft'), down('Equal'), up('Equal'), up('ShiftLeft'), up('ControlLeft')]);
  assert.deepEqual(comboToEvents('super+l', 'press'), [down('MetaLeft'), down('KeyL')]);
  assert.deepEqual(comboToEvents('super+l', 'release'), [up('KeyL'), up('MetaLeft')]);
  assert.deepEqual(keySequenceToEvents('ctrl+l BackSpace'), [
    down('ControlLeft'), down('KeyL'), up('KeyL'), up('ControlLeft'), down('Backspace'), up('Backspace'),
  ]);
  // As KEY_DOWN/KEY_UP messages.
  const msgs = keyEventsToMessages(comboToEvents('ctrl+alt+Delete'));
  assert.deepEqual(msgs.map((m) => `${m.name}:${'code' in m.body ? m.body.code.toString(16) : ''}`),
    ['key_down:1d', 'key_down:38', 'key_down:53e0', 'key_up:d3e0', 'key_up:b8', 'key_up:9d']);
  // With KEY_SCANCODE: one message, the same bytes.
  const one = keyEventsToMessages(comboToEvents('ctrl+alt+Delete'), { scancodeCap: true });
  assert.equal(one.length, 1);
  assert.deepEqual([...(one[0]!.body as { data: Uint8Array }).data], [0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d]);
});

test('unknown key names and bad combos -> BAD_ARGUMENT naming them, with suggestions', () => {
  badArgument(() => resolveKeyName('Retrun'), /unknown key name 'Retrun'; did you mean 'Return'/);
  badArgument(() => resolveKeyName('contrl'), /'contrl'; did you mean .*'control'/);
  badArgument(() => resolveKeyName('Page'), /did you mean .*'Page_Up'/);
  badArgument(() => resolveKeyName('F25'), /unknown key name 'F25'/);
  badArgument(() => resolveKeyName('é'), /unknown key name 'é'/);
  badArgument(() => resolveKeyName('xyzzyplugh'), /^unknown key name 'xyzzyplugh'$/);
  badArgument(() => comboToEvents('ctrl+'), /empty key name at part 2 .*'plus'/);
  badArgument(() => comboToEvents('ctrl+Bogus+a'), /unknown key name 'Bogus'/);
  badArgument(() => comboToEvents('  '), /empty key combo/);
  badArgument(() => keySequenceToEvents(''), /no keys given/);
  // Single characters are case-sensitive, as X keysyms are: 'a' and 'A' differ.
  assert.notDeepEqual(resolveKeyName('a'), resolveKeyName('A'));
});

// ------------------------------------------------------------ US layout

test('US layout: hand-checked characters', () => {
  assert.deepEqual(textToKeyEvents('aA'), [down('KeyA'), up('KeyA'), down('ShiftLeft'), down('KeyA'), up('KeyA'), up('ShiftLeft')]);
  const one = (ch: string) => { const s = usStrokeFor(ch)!; return `${s.shift ? 'S+' : ''}${s.key}`; };
  assert.deepEqual(['~', '"', '|', '?', '<', '_', '{', '@', ' ', '\n', '\t', '7', '&'].map(one),
    ['S+Backquote', 'S+Quote', 'S+Backslash', 'S+Slash', 'S+Comma', 'S+Minus', 'S+BracketLeft', 'S+Digit2', 'Space', 'Enter', 'Tab', 'Digit7', 'S+Digit7']);
  // "\r\n" is one Return; a lone "\r" is one too.
  assert.deepEqual(textToKeyEvents('\r\n'), [down('Enter'), up('Enter')]);
  assert.deepEqual(textToKeyEvents('\r'), [down('Enter'), up('Enter')]);
  // Caps Lock on: letters invert Shift, other keys do not.
  assert.deepEqual(textToKeyEvents('aB1', { capsLock: true }), [
    down('ShiftLeft'), down('KeyA'), up('KeyA'), up('ShiftLeft'), down('KeyB'), up('KeyB'), down('Digit1'), up('Digit1'),
  ]);
});

test('US layout: all printable ASCII round-trips through key events', () => {
  let text = '';
  for (let c = 0x20; c <= 0x7e; c++) text += String.fromCharCode(c);
  text += '\n\t';
  const events = textToKeyEvents(text);
  // Play the events on a simulated US keyboard.
  let shift = false;
  let typed = '';
  const held = new Set<string>();
  for (const e of events) {
    if (e.key === 'ShiftLeft' || e.key === 'ShiftRight') { shift = e.down; continue; }
    if (e.down) {
      assert.ok(!held.has(e.key), `${e.key} pressed twice`);
      held.add(e.key);
      typed += e.key === 'Enter' ? '\n' : e.key === 'Tab' ? '\t' : usCharFor(e.key, shift) ?? '?';
    } else {
      assert.ok(held.delete(e.key), `${e.key} released while up`);
    }
  }
  assert.equal(typed, text);
  assert.equal(held.size, 0);
  assert.equal(shift, false, 'shift left down');
  // And on the wire, every byte the server would feed is a valid set-1 byte sequence.
  const bytes = keyEventsToMessages(events).flatMap((m) => unpackScancode((m.body as { code: number }).code));
  assert.equal(bytes.length, events.length, 'all US-layout keys are single-byte');
});

test('US layout: characters it cannot type -> BAD_ARGUMENT naming them and their position', () => {
  badArgument(() => textToKeyEvents('naïve'), /character 'ï' \(U\+00EF\) at position 2/);
  badArgument(() => textToKeyEvents('ok 😀 no'), /character '😀' \(U\+1F600\) at position 3/);
  badArgument(() => textToKeyEvents('a\u0007'), /character U\+0007 at position 1/);
  badArgument(() => textToKeyEvents('line\r\nx\u00a0'), /U\+00A0\) at position 7/);
  assert.deepEqual(textToKeyEvents(''), []);
});

// ------------------------------------------------------------ locks and mouse

test('lock state: KEY_MODIFIERS bodies and INIT / KEY_MODIFIERS from the server', () => {
  assert.equal(locksToModifiers({ scrollLock: true }), 1);
  assert.equal(locksToModifiers({ numLock: true }), 2);
  assert.equal(locksToModifiers({ capsLock: true }), 4);
  assert.equal(locksToModifiers({ capsLock: true, numLock: true, scrollLock: false }), 6);
  const wire = encodeMessage(channels.inputs, 'client', keyModifiersMessage({ numLock: true, capsLock: true }) as AnyMessage);
  assert.equal(wire.type, 103);
  assert.deepEqual([...wire.body], [6, 0]);
  assert.deepEqual(modifiersToLocks(7), { scrollLock: true, numLock: true, capsLock: true });
  assert.deepEqual(modifiersToLocks(0x10 | 2), { scrollLock: false, numLock: true, capsLock: false });
  // Server messages, decoded by the schema.
  const init = decodeMessage(channels.inputs, 'server', 101, Uint8Array.of(4, 0));
  assert.deepEqual(locksFromServerMessage(init), { scrollLock: false, numLock: false, capsLock: true });
  const mods = decodeMessage(channels.inputs, 'server', 102, Uint8Array.of(3, 0));
  assert.deepEqual(locksFromServerMessage(mods), { scrollLock: true, numLock: true, capsLock: false });
  assert.equal(locksFromServerMessage({ name: 'mouse_motion_ack', body: {} }), undefined);
  assert.deepEqual(lockKeysToToggle({ scrollLock: false, numLock: true, capsLock: false }, { capsLock: true, numLock: true, scrollLock: true }), ['CapsLock', 'ScrollLock']);
  badArgument(() => modifiersToLocks(0x10000), /not a u16/);
});

test('mouse: button ids, masks, press/release state, wheel', () => {
  assert.deepEqual([MouseButton.LEFT, MouseButton.MIDDLE, MouseButton.RIGHT, MouseButton.UP, MouseButton.DOWN].map(buttonMask), [1, 2, 4, 8, 16]);
  assert.deepEqual([MouseButton.SIDE, MouseButton.EXTRA].map(buttonMask), [32, 64]);
  assert.deepEqual(['left', '1', 'Middle', '2', 'right', '3', 'up', '4', 'wheeldown', '5', 'back', '8', 'forward', '9'].map(parseButton),
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
  badArgument(() => parseButton('6'), /mouse button 6 is not one SPICE can send/);
  badArgument(() => parseButton('thumb'), /unknown mouse button 'thumb'/);
  badArgument(() => buttonMask(0), /not a SPICE button/);

  const m = new MouseButtonState();
  assert.deepEqual(m.press('left'), { name: 'mouse_press', body: { button: 1, buttons_state: 1 } });
  assert.deepEqual(m.press(MouseButton.RIGHT), { name: 'mouse_press', body: { button: 3, buttons_state: 5 } });
  assert.deepEqual(m.position(10, 20), { name: 'mouse_position', body: { x: 10, y: 20, buttons_state: 5, display_id: 0 } });
  assert.deepEqual(m.release('left'), { name: 'mouse_release', body: { button: 1, buttons_state: 4 } });
  // The wheel is momentary: UP/DOWN never enter the state.
  assert.deepEqual(m.wheel(-2).map((x) => [x.name, x.body.button, x.body.buttons_state]),
    [['mouse_press', 4, 4], ['mouse_release', 4, 4], ['mouse_press', 4, 4], ['mouse_release', 4, 4]]);
  assert.deepEqual(m.wheel(1).map((x) => x.body.button), [5, 5]);
  assert.deepEqual(m.release('right').body.buttons_state, 0);
  assert.deepEqual(m.motion(-3, 4), { name: 'mouse_motion', body: { dx: -3, dy: 4, buttons_state: 0 } });
  const wire = encodeMessage(channels.inputs, 'client', new MouseButtonState().press('side') as AnyMessage);
  assert.equal(wire.type, 113);
  assert.deepEqual([...wire.body], [6, 32, 0]);
});

// ------------------------------------------------------------ real sessions

/** Client key/mouse messages of a capture's inputs connection (motion, modifiers, pongs left out). */
function capturedInput(name: string): { type: number; body: number[] }[] {
  const s = loadGolden(name);
  const conn = s.connections.find((c) => c.def.name === 'inputs');
  assert.ok(conn, `${name} has an inputs connection`);
  const wanted = new Set([101, 102, 104, 113, 114]); // key_down/up, key_scancode, mouse press/release
  return conn.client.filter((m) => wanted.has(m.type)).map((m) => ({ type: m.type, body: [...m.body] }));
}

function wire(msgs: readonly { name: string; body: object }[]): { type: number; body: number[] }[] {
  return msgs.map((m) => {
    const w = encodeMessage(channels.inputs, 'client', m as AnyMessage);
    return { type: w.type, body: [...w.body] };
  });
}

test('golden: remote-viewer typing "echo hi", Ctrl, Alt and clicks against Xspice, byte for byte', () => {
  const got = capturedInput('xspice-remote-viewer');
  const m = new MouseButtonState();
  const want = wire([
    // spice-gtk types each key as one KEY_SCANCODE press+release when the server allows it
    ...[...'echo hi\n'].flatMap((ch) => keyEventsToMessages(textToKeyEvents(ch), { scancodeCap: true })),
    ...m.click('left'), ...m.click('left'),
    ...keyEventsToMessages([down('ControlLeft'), down('AltLeft'), up('ControlLeft'), up('AltLeft')]),
  ]);
  assert.deepEqual(got, want);
});

test('golden: spicy and remote-viewer against QEMU: keys, Shift+b, Ctrl+Alt, clicks, byte for byte', () => {
  for (const name of ['qemu-all-spicy', 'qemu-all-remote-viewer']) {
    const got = capturedInput(name);
    const m = new MouseButtonState();
    const want = wire([
      m.release('left'), ...m.click('left'), ...m.click('right'),
      ...keyEventsToMessages(textToKeyEvents('a'), { scancodeCap: true }),
      ...keyEventsToMessages(textToKeyEvents('\n'), { scancodeCap: true }),
      // held keys as the user pressed and released them
      ...keyEventsToMessages([down('ShiftLeft'), down('KeyB'), up('ShiftLeft'), up('KeyB')]),
      ...keyEventsToMessages(comboToEvents('ctrl+alt', 'press')),
      ...keyEventsToMessages([up('ControlLeft'), up('AltLeft')]),
    ]);
    assert.deepEqual(got, want, name);
  }
});

// ------------------------------------------------------------ QEMU's keymap

const QEMU_KEYMAP = '/usr/share/qemu/keymaps/en-us';

/**
 * Differences from QEMU's en-us keymap that are deliberate:
 * - Print: QEMU numbers the key 0x54 (SysRq's code, which it treats as the same key); a real
 *   keyboard's Print Screen make code, and ours, is E0 37 (QEMU reads that as the same key).
 * - Pause: QEMU's number 0xc6 (E0 46) is Ctrl+Break's code; we send the real E1 sequence.
 * - Meta_L/Meta_R: X puts Meta on Shift+Alt; 'meta' here is just the Alt key.
 */
const DELIBERATE: Record<string, string> = { Print: 'PrintScreen', Pause: 'Pause', Meta_L: 'AltLeft', Meta_R: 'AltRight' };

test('cross-check against QEMU\'s en-us keymap (X keysym -> set-1 number, Shift)', (t) => {
  if (!existsSync(QEMU_KEYMAP)) {
    if (REQUIRED) assert.fail(`${QEMU_KEYMAP} is missing (qemu-system-data) (SPICE_INTEROP=required)`);
    t.skip(`${QEMU_KEYMAP} not installed (Debian package qemu-system-data)`);
    return;
  }
  // Lines: "keysym 0xNN [modifiers...]"; NN is QEMU's number: the set-1 code, | 0x80 for E0 keys.
  const entries = new Map<string, { num: number; mods: string[] }[]>();
  for (const line of readFileSync(QEMU_KEYMAP, 'utf8').split('\n')) {
    const m = /^(\S+)\s+0x([0-9a-f]+)((?:\s+\S+)*)\s*$/i.exec(line);
    if (!m || line.startsWith('#') || m[1] === 'map' || m[1] === 'include') continue;
    const list = entries.get(m[1]!) ?? [];
    list.push({ num: parseInt(m[2]!, 16), mods: m[3]!.trim().split(/\s+/).filter(Boolean) });
    entries.set(m[1]!, list);
  }
  assert.ok(entries.size > 150, `parsed only ${entries.size} keysyms from ${QEMU_KEYMAP}`);
  const known = new Set(knownKeyNames());
  let checked = 0;
  const unknown: string[] = [];
  for (const [sym, list] of entries) {
    // Only entries a US keyboard types with at most Shift (numlock: keypad digits, same key).
    const usable = list.filter((e) => e.mods.every((x) => x === 'shift' || x === 'numlock'));
    if (usable.length === 0) continue;
    if (!known.has(sym) && !(sym.length === 1 && sym >= ' ' && sym <= '~')) {
      unknown.push(sym);
      // Every key of the main block (QEMU numbers below 0x54) must be known.
      assert.ok(usable.every((e) => e.num >= 0x54), `QEMU keysym '${sym}' (0x${usable[0]!.num.toString(16)}) is not a known key name`);
      continue;
    }
    const s = resolveKeyName(sym);
    if (DELIBERATE[sym]) { assert.equal(s.key, DELIBERATE[sym], sym); continue; }
    const make = makeCode(s.key);
    assert.ok(make !== undefined, `${sym} -> ${s.key} has a make code`);
    const ours = make > 0xff ? 0x80 | (make & 0xff) : make;
    const match = usable.some((e) => e.num === ours && e.mods.includes('shift') === s.shift);
    assert.ok(match, `${sym}: ours ${s.shift ? 'Shift+' : ''}0x${ours.toString(16)} (${s.key}), QEMU ${usable.map((e) => `${e.mods.join('+')}${e.mods.length ? '+' : ''}0x${e.num.toString(16)}`).join(' or ')}`);
    checked++;
  }
  t.diagnostic(`checked ${checked} keysyms against QEMU; not ours: ${unknown.join(' ')}`);
  assert.ok(checked >= 150, `only ${checked} keysyms checked`);
});

test('QEMU\'s SPICE keyboard recognises our Pause sequence', (t) => {
  // QEMU turns the six Pause bytes back into its Pause key only if they come exactly as a real
  // keyboard sends them; its spice module holds that sequence as a constant.
  const candidates = ['/usr/lib/x86_64-linux-gnu/qemu/ui-spice-core.so', '/usr/lib/aarch64-linux-gnu/qemu/ui-spice-core.so', '/usr/lib64/qemu/ui-spice-core.so'];
  const mod = candidates.find((f) => existsSync(f));
  if (!mod) {
    if (REQUIRED) assert.fail('QEMU\'s ui-spice-core.so is missing (qemu-system-x86) (SPICE_INTEROP=required)');
    t.skip('QEMU\'s ui-spice-core.so not installed (Debian package qemu-system-x86)');
    return;
  }
  const bin = readFileSync(mod);
  const ours = Buffer.from([...keyScancodeData('Pause')]);
  assert.ok(bin.includes(ours), `${mod} does not contain ${ours.toString('hex')}`);
});
