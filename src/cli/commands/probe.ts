/**
 * spice-ts probe <uri|file.vv> [--password PW] [--json]
 */
import { formatTarget } from '../../client/target.js';
import { loadTarget } from '../../client/target-node.js';
import { nodeOpener } from '../../client/node-connect.js';
import { probe, type ProbeReport } from '../../client/probe.js';
import { nodeTicketCrypto } from '../../protocol/crypto/node-ticket.js';
import { parseArgs } from '../args.js';
import { Exit } from '../exit-codes.js';

export const probeHelp = `usage: spice-ts probe <spice://host:port | host:port | file.vv> [options]

Connects like a SPICE client, links every channel the server lists, prints
what it learnt, and disconnects.

options:
  --password PW        ticket password (or the SPICE_PASSWORD environment variable)
  --ca-file FILE       CA certificate(s) for the TLS port
  --host-subject S     expected certificate subject ("C=..,O=..,CN=..")
  --secure-channels L  comma-separated channels that must use TLS, or "all"
  --timeout S          give up after S seconds (default 10)
  --json               print the report as JSON
`;

const SPEC = {
  password: { type: 'string' },
  'ca-file': { type: 'string' },
  'host-subject': { type: 'string' },
  'secure-channels': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function probeCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { options, positionals } = parseArgs(argv, SPEC);
  if (options.help) { out(probeHelp); return Exit.OK; }
  if (positionals.length !== 1) { out(probeHelp); return Exit.USAGE; }
  const target = await loadTarget(positionals[0]!);
  const password = (options.password as string | undefined) ?? target.password ?? process.env.SPICE_PASSWORD ?? '';
  const timeoutMs = options.timeout ? Math.round(parseFloat(options.timeout as string) * 1000) : 10000;
  const secure = options['secure-channels'] ? (options['secure-channels'] as string).split(',').map((s) => s.trim()) : target.secureChannels;
  const opener = nodeOpener(target, { caFile: options['ca-file'] as string | undefined, hostSubject: options['host-subject'] as string | undefined }, timeoutMs);
  const report = await probe(formatTarget(target), {
    ...opener, password, secureChannels: secure, timeoutMs, crypto: nodeTicketCrypto,
  });
  out(options.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return Exit.OK;
}

export function formatReport(r: ProbeReport): string {
  const lines: string[] = [];
  const caps = (c: { common: string[]; channel: string[] }) =>
    `common [${c.common.join(' ')}]${c.channel.length ? ` channel [${c.channel.join(' ')}]` : ''}`;
  lines.push(`server      ${r.target}${r.tls ? ' (TLS)' : ''}`);
  lines.push(`protocol    ${r.protocol.major}.${r.protocol.minor}, ${r.miniHeader ? 'mini' : 'full'} headers`);
  if (r.name !== undefined) lines.push(`name        ${r.name}`);
  if (r.uuid !== undefined) lines.push(`uuid        ${r.uuid}`);
  lines.push(`session     ${r.sessionId}`);
  lines.push(`displays    ${r.displayChannelsHint} (hint)`);
  lines.push(`mouse       supported ${r.mouseModes.supported.join(', ')}; current ${r.mouseModes.current}`);
  lines.push(`agent       ${r.agent.connected ? 'connected' : 'not connected'} (${r.agent.tokens} tokens)`);
  lines.push(`mm-time     ${r.multiMediaTime} ms`);
  lines.push(`ram hint    ${r.ramHint} bytes`);
  lines.push(`main caps   ${caps(r.mainCaps)}`);
  lines.push(`channels    ${r.channels.length}`);
  for (const c of r.channels) {
    const head = `  ${`${c.name}:${c.id}`.padEnd(12)} ${c.tls ? 'tls ' : '    '}`;
    lines.push(c.result === 'ok' ? `${head}ok     ${caps(c.caps!)}` : `${head}FAILED ${c.linkError ?? ''}: ${c.result}`);
  }
  return lines.join('\n') + '\n';
}
