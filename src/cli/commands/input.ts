/**
 * Scripted input: `type`, `send-keys` and `mouse`. Each connects (main +
 * inputs, and cursor for server-mode pointer moves), sends, waits until
 * the server has taken the input, and leaves.
 */
import { connect } from '../../client/node.js';
import type { SpiceSession } from '../../client/session.js';
import { textToKeyEvents } from '../../client/input/layout-us.js';
import { keySequenceToEvents } from '../../client/input/keynames.js';
import { parseButton } from '../../client/input/mouse.js';
import type { KeyEvent } from '../../client/input/scancodes.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { parseArgs } from '../args.js';
import { CONNECT_HELP, CONNECT_SPEC, connectOptions } from '../connect-options.js';
import { Exit } from '../exit-codes.js';

const KEY_SPEC = { ...CONNECT_SPEC, delay: { type: 'string' } } as const;
const DELAY_HELP = '  --delay MS           pause between key events (default 12, like xdotool)';

export const typeHelp = `usage: spice-ts type <target> TEXT [options]

Types TEXT on the remote keyboard as a US-layout keyboard would (shift for
capitals and symbols). In TEXT, \\n is Return, \\t is Tab and \\\\ a backslash;
real newlines and tabs work too.

options:
${DELAY_HELP}
${CONNECT_HELP}
`;

export const sendKeysHelp = `usage: spice-ts send-keys <target> COMBO... [options]

Presses key combinations, xdotool style: ctrl+alt+Delete, Return, super+e,
shift+Tab, F12. Names are X keysyms (Control_L, BackSpace, Page_Up, KP_Enter,
...), xdotool's aliases (ctrl, alt, super, shift) or browser key codes (KeyA).

options:
${DELAY_HELP}
${CONNECT_HELP}
`;

export const mouseHelp = `usage: spice-ts mouse <target> ACTION... [options]

actions (any number, done in order):
  move X Y        put the pointer at X,Y (client mouse mode; in server mode,
                  moves by the difference from where the server's cursor is)
  click [BUTTON]  press and release BUTTON (left, middle, right, or 1-9; default left)
  down [BUTTON]   press only;  up [BUTTON]  release only
  scroll N        wheel N steps (negative: up)

options:
${CONNECT_HELP}
`;

function delayOf(v: unknown): number {
  if (v === undefined) return 12;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--delay needs milliseconds (0 or more), got '${String(v)}'`);
  return n;
}

async function withInputs<T>(argv: string[], positionalsWanted: (n: number) => boolean, help: string, out: (s: string) => void,
  channels: string[], run: (s: SpiceSession, rest: string[], delay: number) => Promise<T>): Promise<number> {
  const p = parseArgs(argv, KEY_SPEC);
  if (p.options.help) { out(help); return Exit.OK; }
  if (p.positionals.length < 1 || !positionalsWanted(p.positionals.length - 1)) { out(help); return Exit.USAGE; }
  const delay = delayOf(p.options.delay);
  const rest = p.positionals.slice(1);
  const { target, options } = await connectOptions(p);
  const session = await connect(target, { ...options, channels });
  try {
    if (!session.inputs) throw new SpiceError(ErrorCode.UNSUPPORTED, 'the server has no inputs channel');
    await run(session, rest, delay);
    await session.inputs?.motionSettled();
  } finally {
    await session.disconnect();
  }
  return Exit.OK;
}

async function sendKeys(s: SpiceSession, events: KeyEvent[], delay: number): Promise<void> {
  await s.inputs!.keys(events, delay);
}

export function typeCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return withInputs(argv, (n) => n === 1, typeHelp, out, ['inputs'], async (s, [text], delay) => {
    await sendKeys(s, textToKeyEvents(unescapeText(text!)), delay);
  });
}

export function sendKeysCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return withInputs(argv, (n) => n >= 1, sendKeysHelp, out, ['inputs'], async (s, combos, delay) => {
    await sendKeys(s, keySequenceToEvents(combos), delay);
  });
}

export function mouseCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return withInputs(argv, (n) => n >= 1, mouseHelp, out, ['inputs', 'cursor'], async (s, actions) => {
    const steps = parseMouseActions(actions);
    await waitForMouseMode(s);
    const inputs = s.inputs!;
    for (const a of steps) {
      switch (a.kind) {
        case 'move':
          if (s.mouseMode === 'client') inputs.position(a.x, a.y, 0);
          else {
            const c = s.cursor;
            inputs.motion(a.x - (c?.x ?? 0), a.y - (c?.y ?? 0));
          }
          await inputs.motionSettled();
          break;
        case 'down': inputs.press(a.button); break;
        case 'up': inputs.release(a.button); break;
        case 'click': inputs.press(a.button); inputs.release(a.button); break;
        case 'scroll': {
          const b = parseButton(a.steps < 0 ? 'up' : 'down');
          for (let i = 0; i < Math.abs(a.steps); i++) { inputs.press(b); inputs.release(b); }
          break;
        }
      }
    }
  });
}

/** `\n`, `\t` and `\\` in command-line text, as echo -e reads them; other backslashes stay. */
export function unescapeText(text: string): string {
  return text.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

type MouseAction =
  | { kind: 'move'; x: number; y: number }
  | { kind: 'click' | 'down' | 'up'; button: number }
  | { kind: 'scroll'; steps: number };

export function parseMouseActions(words: string[]): MouseAction[] {
  const out: MouseAction[] = [];
  const int = (w: string | undefined, what: string) => {
    if (w === undefined || !/^-?\d+$/.test(w)) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `${what} needs a whole number, got '${w ?? ''}'`);
    return Number(w);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    switch (w) {
      case 'move': {
        const x = int(words[++i], 'move X'), y = int(words[++i], 'move Y');
        if (x < 0 || y < 0) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `move ${x} ${y}: coordinates must be 0 or more`);
        out.push({ kind: 'move', x, y });
        break;
      }
      case 'click': case 'down': case 'up': {
        const next = words[i + 1];
        const isButton = next !== undefined && !['move', 'click', 'down', 'up', 'scroll'].includes(next);
        out.push({ kind: w, button: parseButton(isButton ? words[++i]! : 'left') });
        break;
      }
      case 'scroll': out.push({ kind: 'scroll', steps: int(words[++i], 'scroll') }); break;
      default: throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown mouse action '${w}' (move, click, down, up, scroll)`);
    }
  }
  return out;
}

/** If the server offers client mode and we asked for it, wait (briefly) for the switch. */
async function waitForMouseMode(s: SpiceSession): Promise<void> {
  if (s.mouseMode === 'client' || !(s.main.supportedMouseModes & 2)) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => { off(); resolve(); }, 2000);
    const off = s.on('mouse-mode', (e) => { if (e.mode === 'client') { clearTimeout(t); off(); resolve(); } });
  });
}
