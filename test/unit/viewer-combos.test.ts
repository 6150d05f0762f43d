/**
 * The viewer's key-combination menu (KEY_COMBOS) and KeyboardInput.sendCombo: every entry
 * the issue asks for is there, each one becomes the PC set-1 scancode bytes a real keyboard
 * would send for it (presses in order, releases in reverse), the labels read as the keys
 * they send, and keys held on the local keyboard are let go first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_COMBOS, KeyboardInput } from '../../src/viewer/keyboard.js';
import { comboToEvents } from '../../src/client/input/keynames.js';
import { keyEventsToMessages, type KeyEvent } from '../../src/client/input/scancodes.js';

/** The scancode bytes a combo sends (as one KEY_SCANCODE message would carry them). */
function bytes(events: readonly KeyEvent[]): string {
  const [m] = keyEventsToMessages(events, { scancodeCap: true });
  assert.ok(m && m.name === 'key_scancode');
  return [...m.body.data].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

const comboFor = (label: string) => {
  const c = KEY_COMBOS.find((x) => x.label === label);
  assert.ok(c, `the menu has '${label}'`);
  return c.combo;
};

test('the menu has the combinations browsers and local systems keep for themselves', () => {
  const labels = KEY_COMBOS.map((c) => c.label);
  for (const want of ['Ctrl+Alt+Del', 'Ctrl+Alt+Backspace', 'PrintScreen', 'Alt+Tab', 'Super (Windows key)']) {
    assert.ok(labels.includes(want), `menu: ${want}`);
  }
  for (let n = 1; n <= 12; n++) assert.ok(labels.includes(`Ctrl+Alt+F${n}`), `menu: Ctrl+Alt+F${n}`);
  assert.equal(new Set(labels).size, labels.length, 'no label twice');
  assert.equal(new Set(KEY_COMBOS.map((c) => c.combo)).size, KEY_COMBOS.length, 'no combo twice');
  // The twelve console switches sit together in one group.
  const fn = KEY_COMBOS.filter((c) => /^Ctrl\+Alt\+F\d+$/.test(c.label));
  assert.deepEqual(new Set(fn.map((c) => c.group)), new Set(['Switch console']));
});

test('each combination becomes the set-1 scancodes of a real keyboard: presses in order, releases in reverse', () => {
  const want: Record<string, string> = {
    'Ctrl+Alt+Del': '1d 38 e0 53 e0 d3 b8 9d',
    'Ctrl+Alt+Backspace': '1d 38 0e 8e b8 9d',
    PrintScreen: 'e0 37 e0 b7',
    'Alt+PrintScreen': '38 e0 37 e0 b7 b8',
    'Alt+Tab': '38 0f 8f b8',
    'Alt+F4': '38 3e be b8',
    'Super (Windows key)': 'e0 5b e0 db',
    Escape: '01 81',
  };
  // F1-F10 are 3b-44 in a row; F11 and F12 came later and sit at 57 and 58.
  const fMake = [0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x57, 0x58];
  fMake.forEach((m, i) => {
    const h = (b: number) => b.toString(16).padStart(2, '0');
    want[`Ctrl+Alt+F${i + 1}`] = `1d 38 ${h(m)} ${h(m | 0x80)} b8 9d`;
  });
  assert.deepEqual(Object.keys(want).sort(), KEY_COMBOS.map((c) => c.label).sort(), 'every menu entry is checked');
  for (const c of KEY_COMBOS) assert.equal(bytes(comboToEvents(c.combo)), want[c.label], c.label);
});

test('without the KEY_SCANCODE capability the same combo goes as KEY_DOWN/KEY_UP codes', () => {
  const m = keyEventsToMessages(comboToEvents(comboFor('Ctrl+Alt+F2')));
  assert.deepEqual(m.map((x) => `${x.name}:${(x.body as { code: number }).code.toString(16)}`),
    ['key_down:1d', 'key_down:38', 'key_down:3c', 'key_up:bc', 'key_up:b8', 'key_up:9d']);
  const del = keyEventsToMessages(comboToEvents(comboFor('Ctrl+Alt+Del')));
  // E0-prefixed keys: first byte in the low byte, the release bit after the prefix.
  assert.deepEqual(del.map((x) => (x.body as { code: number }).code), [0x1d, 0x38, 0x53e0, 0xd3e0, 0xb8, 0x9d]);
});

test('the labels read as the keys they send (case and short names as a user would type them)', () => {
  for (const c of KEY_COMBOS) {
    if (c.label.includes('(')) continue; // 'Super (Windows key)'
    assert.deepEqual(comboToEvents(c.label), comboToEvents(c.combo), c.label);
  }
});

test('sendCombo: keys held locally are released first, then the combination plays in one go', () => {
  const sent: KeyEvent[][] = [];
  const kb = new KeyboardInput({ keys: (ev) => sent.push(ev) }, { altGrFilter: false });
  const ev = (code: string) => ({ code, preventDefault() {} });
  kb.keyDown(ev('ShiftLeft'));
  kb.keyDown(ev('KeyA'));
  kb.sendCombo(comboFor('Ctrl+Alt+F2'));
  assert.deepEqual(sent.map((batch) => batch.map((e) => `${e.key}${e.down ? '+' : '-'}`)), [
    ['ShiftLeft+'], ['KeyA+'],
    ['KeyA-', 'ShiftLeft-'],
    ['ControlLeft+', 'AltLeft+', 'F2+', 'F2-', 'AltLeft-', 'ControlLeft-'],
  ]);
  assert.equal(kb.pressed.size, 0, 'nothing stays held');
  // A later keyup of the real keys is not sent again.
  kb.keyUp(ev('KeyA'));
  assert.equal(sent.length, 4);
});

test('a combination with an unknown key is refused before anything is sent', () => {
  const sent: KeyEvent[][] = [];
  const kb = new KeyboardInput({ keys: (ev) => sent.push(ev) }, { altGrFilter: false });
  kb.keyDown({ code: 'ShiftLeft', preventDefault() {} });
  assert.throws(() => kb.sendCombo('ctrl+alt+F13x'), /unknown key name 'F13x'/);
  assert.throws(() => kb.sendCombo('ctrl++alt'), /empty key name/);
  assert.deepEqual(sent.flat().map((e) => e.key), ['ShiftLeft'], 'the held key stays held, nothing else went');
});
