/**
 * `spice-ts clipboard get|set`: the guest's clipboard text through its agent.
 *
 * get: the agent protocol has no "read the clipboard" message; a side learns of text by a
 * GRAB and fetches it with a REQUEST. Agents (spice-vdagent, spice-ts serve) answer a
 * REQUEST even without a prior GRAB: with the text when the guest holds some, with an
 * empty reply when not. So `get` waits for the agent, asks at once, and uses the first
 * text that comes (also the answer to a GRAB the agent may send on connecting).
 *
 * set: offers the text (GRAB) and stays until the agent has fetched it: spice-ts serve
 * fetches at once; spice-vdagent only when something is pasted in the guest, so --hold
 * keeps the offer open (the text is gone when the command leaves).
 */
import { readFileSync } from 'node:fs';
import { connect } from '../../client/node.js';
import type { SpiceSession } from '../../client/session.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { parseArgs } from '../args.js';
import { CONNECT_HELP, CONNECT_SPEC, connectOptions, seconds } from '../connect-options.js';
import { Exit } from '../exit-codes.js';

const SPEC = { ...CONNECT_SPEC, hold: { type: 'string' } } as const;

export const clipboardHelp = `usage: spice-ts clipboard get <target> [options]
       spice-ts clipboard set <target> TEXT|- [options]

get  prints the text on the guest's clipboard as it is (no newline added).
     Exit status 1 when the guest clipboard holds no text.
set  puts TEXT (or standard input, for -) on the guest's clipboard. It waits until
     the guest agent fetches the text: spice-ts serve does at once, spice-vdagent
     when something is pasted in the guest (use --hold for that).

Both need a guest agent (spice-vdagent in the guest, or spice-ts serve).

options:
  --hold S             set: wait up to S seconds for the first fetch (default: the
                       --timeout), then stay S seconds more answering later pastes
${CONNECT_HELP}
`;

export async function clipboardCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const p = parseArgs(argv, SPEC);
  if (p.options.help) { out(clipboardHelp); return Exit.OK; }
  const [action, ...rest] = p.positionals;
  const wanted = action === 'get' ? 1 : action === 'set' ? 2 : -1;
  if (rest.length !== wanted) { out(clipboardHelp); return Exit.USAGE; }
  const text = action === 'set' ? (rest[1] === '-' ? readFileSync(0, 'utf8') : rest[1]!) : undefined;
  const holdMs = p.options.hold === undefined ? 0 : seconds(p.options.hold, 'hold', 0);
  const { target, options } = await connectOptions({ ...p, positionals: rest });
  const timeoutMs = options.timeoutMs!;
  const session = await connect(target, { ...options, channels: [] });
  try {
    await session.agent.whenReady(timeoutMs);
    if (!session.agent.state.clipboard) {
      throw new SpiceError(ErrorCode.UNSUPPORTED, 'the guest agent does not offer clipboard sharing');
    }
    if (text === undefined) {
      const got = await session.agent.requestClipboard(timeoutMs);
      if (got === null) {
        process.stderr.write('spice-ts clipboard: the guest clipboard holds no text\n');
        return Exit.FAILURE;
      }
      out(got);
      return Exit.OK;
    }
    await offer(session, text, timeoutMs, holdMs);
    return Exit.OK;
  } finally {
    await session.disconnect();
  }
}

/** Offers `text`; resolves once it was fetched (and `holdMs` more have passed). */
async function offer(session: SpiceSession, text: string, timeoutMs: number, holdMs: number): Promise<void> {
  const agent = session.agent;
  let fetched!: () => void;
  const fetchedOnce = new Promise<void>((resolve) => { fetched = resolve; });
  const off = agent.on('clipboard-fetched', () => fetched());
  const gone = new Promise<never>((_, reject) => {
    session.on('disconnected', ({ error }) => reject(error ?? new SpiceError(ErrorCode.CLOSED, 'the server closed the session')));
  });
  gone.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = Math.max(timeoutMs, holdMs);
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SpiceError(ErrorCode.TIMEOUT,
      `the guest agent did not fetch the text within ${wait / 1000} s (guests fetch it when something is pasted: try --hold)`)), wait);
  });
  late.catch(() => undefined);
  try {
    agent.setClipboardText(text);
    await Promise.race([fetchedOnce, gone, late]);
    clearTimeout(timer);
    if (holdMs > 0) await Promise.race([new Promise((r) => { timer = setTimeout(r, holdMs); }), gone]);
    clearTimeout(timer);
    // The answer may still wait for agent tokens: let it go out before leaving.
    const drainLate = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SpiceError(ErrorCode.TIMEOUT, 'the server did not take the clipboard text in time')), timeoutMs);
    });
    drainLate.catch(() => undefined);
    await Promise.race([agent.drained(), gone, drainLate]);
  } finally {
    clearTimeout(timer);
    off();
  }
}
