/**
 * PC/AT set-1 scancodes (as KeyEvent carries them: 0xE0xx for extended keys,
 * 0xE11D for Pause) to X keycodes of servers with evdev keycodes (Xorg, Xvfb,
 * Xwayland: keycode = Linux input event code + 8).
 *
 * Most one-byte codes equal their Linux code (KEY_ESC = 1 ... KEY_KPDOT = 83,
 * and KEY_102ND/F11/F12 = 86..88). The rest, and every E0 key, come from the
 * table below, written from linux/input-event-codes.h names.
 */

/** Linux KEY_* codes for the set-1 codes that do not map to themselves. */
const EVDEV: ReadonlyMap<number, number> = new Map([
  [0x54, 99], // Alt+PrintScreen (SysRq) -> KEY_SYSRQ
  [0x55, 186], // F16 (QEMU's reading)
  [0x59, 117], // KEY_KPEQUAL
  [0x5a, 190], // F20
  [0x5d, 183], [0x5e, 184], [0x5f, 185], // F13..F15
  [0x6d, 193], [0x6f, 194], [0x74, 191], // F23, F24, F21
  [0x70, 93], // KanaMode -> KEY_KATAKANAHIRAGANA
  [0x73, 89], // IntlRo -> KEY_RO
  [0x76, 85], // KEY_ZENKAKUHANKAKU
  [0x77, 91], // KEY_HIRAGANA
  [0x78, 90], // KEY_KATAKANA
  [0x79, 92], // Convert -> KEY_HENKAN
  [0x7b, 94], // NonConvert -> KEY_MUHENKAN
  [0x7d, 124], // IntlYen -> KEY_YEN
  [0x7e, 121], // NumpadComma -> KEY_KPCOMMA
  [0xf1, 123], [0xf2, 122], // Lang2 (KEY_HANJA), Lang1 (KEY_HANGEUL)
  [0xe003, 187], [0xe004, 189], [0xe077, 188], [0xe079, 192], // F17, F19, F18, F22
  [0xe010, 165], // KEY_PREVIOUSSONG
  [0xe019, 163], // KEY_NEXTSONG
  [0xe01c, 96], // KEY_KPENTER
  [0xe01d, 97], // KEY_RIGHTCTRL
  [0xe020, 113], // KEY_MUTE
  [0xe021, 140], // KEY_CALC
  [0xe022, 164], // KEY_PLAYPAUSE
  [0xe024, 166], // KEY_STOPCD
  [0xe02e, 114], // KEY_VOLUMEDOWN
  [0xe030, 115], // KEY_VOLUMEUP
  [0xe032, 172], // KEY_HOMEPAGE
  [0xe035, 98], // KEY_KPSLASH
  [0xe037, 99], // PrintScreen -> KEY_SYSRQ (X's <PRSC>)
  [0xe038, 100], // KEY_RIGHTALT
  [0xe046, 119], // Ctrl+Pause (Break) -> KEY_PAUSE
  [0xe047, 102], // KEY_HOME
  [0xe048, 103], // KEY_UP
  [0xe049, 104], // KEY_PAGEUP
  [0xe04b, 105], // KEY_LEFT
  [0xe04d, 106], // KEY_RIGHT
  [0xe04f, 107], // KEY_END
  [0xe050, 108], // KEY_DOWN
  [0xe051, 109], // KEY_PAGEDOWN
  [0xe052, 110], // KEY_INSERT
  [0xe053, 111], // KEY_DELETE
  [0xe05b, 125], // KEY_LEFTMETA
  [0xe05c, 126], // KEY_RIGHTMETA
  [0xe05d, 127], // KEY_COMPOSE (Menu)
  [0xe05e, 116], // KEY_POWER
  [0xe05f, 142], // KEY_SLEEP
  [0xe063, 143], // KEY_WAKEUP
  [0xe065, 217], // KEY_SEARCH
  [0xe066, 156], // KEY_BOOKMARKS
  [0xe067, 173], // KEY_REFRESH
  [0xe068, 128], // KEY_STOP
  [0xe069, 159], // KEY_FORWARD
  [0xe06a, 158], // KEY_BACK
  [0xe06b, 157], // KEY_COMPUTER (My Computer)
  [0xe06c, 155], // KEY_MAIL
  [0xe06d, 226], // KEY_MEDIA
  [0xe11d, 119], // Pause -> KEY_PAUSE
]);

/** The Linux input event code of a set-1 scancode, or undefined when it has none. */
export function scancodeToEvdev(scancode: number): number | undefined {
  const mapped = EVDEV.get(scancode);
  if (mapped !== undefined) return mapped;
  if ((scancode >= 0x01 && scancode <= 0x53) || (scancode >= 0x56 && scancode <= 0x58)) return scancode;
  return undefined;
}

/** The X keycode (evdev + 8) of a set-1 scancode, or undefined. */
export function scancodeToXKeycode(scancode: number): number | undefined {
  const ev = scancodeToEvdev(scancode);
  return ev === undefined ? undefined : ev + 8;
}
