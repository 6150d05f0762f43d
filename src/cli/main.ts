/**
 * The spice-ts command line: `spice-ts <command> [args]`.
 */
import { readFileSync } from 'node:fs';
import { isSpiceError } from '../protocol/errors.js';
import { Exit, exitCodeFor } from './exit-codes.js';

type Command = (argv: string[], out: (s: string) => void) => Promise<number>;

// Commands load on demand: start-up time is part of every command's run time.
/**
 * `readOnly`: the command only reads from the server (what it sends last are acknowledgements),
 * so once it returns nothing is left to deliver (see endsAtOnce).
 */
const commands: Record<string, { run: () => Promise<Command>; summary: string; readOnly?: boolean }> = {
  probe: { run: async () => (await import('./commands/probe.js')).probeCommand, summary: 'connect, link every channel, print what the server offers', readOnly: true },
  screenshot: { run: async () => (await import('./commands/screenshot.js')).screenshotCommand, summary: 'save the remote screen as PNG or PPM', readOnly: true },
  type: { run: async () => (await import('./commands/input.js')).typeCommand, summary: 'type text on the remote keyboard (US layout)' },
  'send-keys': { run: async () => (await import('./commands/input.js')).sendKeysCommand, summary: 'press key combinations (ctrl+alt+Delete ...)' },
  mouse: { run: async () => (await import('./commands/input.js')).mouseCommand, summary: 'move the pointer, click, scroll' },
  clipboard: { run: async () => (await import('./commands/clipboard.js')).clipboardCommand, summary: 'get or set the guest clipboard text (needs a guest agent)' },
  serve: { run: async () => (await import('./commands/serve.js')).serveCommand, summary: 'show a display source (demo, an X display) to SPICE viewers' },
  gateway: { run: async () => (await import('./commands/gateway.js')).gatewayCommand, summary: 'serve the web viewer and relay it to SPICE servers chosen by token' },
};

/**
 * Whether the process may end as soon as `cmd` returns, without waiting for each server to
 * answer the closing of its connections (a round trip through the server's main loop, then
 * Node's own tear-down: ~2-3 ms of CPU and more of wall time in a `screenshot` run). Only for
 * read-only commands: a command that typed keys or set the clipboard waits, so that a server
 * still sending when the process ends cannot make the kernel reset the connection before the
 * last bytes we wrote have left.
 */
export function endsAtOnce(cmd: string | undefined): boolean {
  return !!cmd && Object.hasOwn(commands, cmd) && commands[cmd]!.readOnly === true;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export function usage(): string {
  const list = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`).join('\n');
  return `spice-ts ${version()} — the SPICE remote-display protocol in TypeScript

usage: spice-ts <command> [options]

commands:
${list}

Run 'spice-ts <command> --help' for a command's options.
Targets: spice://host:port, spice://host?port=P&tls-port=T&password=PW,
spice+tls://host:port, spice+unix:///path, host:port, or a virt-viewer .vv file.

exit status: 0 ok, 1 failure, 2 usage, 3 cannot connect, 4 bad password/auth,
5 TLS failure, 6 protocol error, 7 timeout
`;
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { out(usage()); return cmd ? Exit.OK : Exit.USAGE; }
  if (cmd === '--version' || cmd === '-V') { out(`${version()}\n`); return Exit.OK; }
  const c = commands[cmd];
  if (!c) { err(`spice-ts: unknown command '${cmd}'\n\n${usage()}`); return Exit.USAGE; }
  try {
    return await (await c.run())(rest, out);
  } catch (e) {
    if (isSpiceError(e)) {
      err(`spice-ts ${cmd}: ${e.message}\n`);
      if (process.env.SPICE_DEBUG) err(`  (${e.describe()})\n`);
      return exitCodeFor(e);
    }
    throw e;
  }
}
