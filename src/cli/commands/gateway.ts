/**
 * `spice-ts gateway`: serves the web viewer and carries its WebSockets to SPICE servers
 * chosen by token (or one fixed target), in place of websockify.
 */
import { parseArgs } from '../args.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { Exit } from '../exit-codes.js';
import { Gateway, type GatewayLimits } from '../../gateway/gateway.js';
import { listenGateway } from '../../gateway/listen.js';
import { TokenFile, describeGatewayTarget, gatewayTarget } from '../../gateway/tokens.js';

const SPEC = {
  listen: { type: 'string' },
  target: { type: 'string' },
  tokens: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'ca-file': { type: 'string' },
  'viewer-dir': { type: 'string' },
  'max-sessions-per-token': { type: 'string' },
  'max-sessions-per-address': { type: 'string' },
  'max-connections-per-token': { type: 'string' },
  'max-connections-per-address': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'link-timeout': { type: 'string' },
  'max-message-size': { type: 'string' },
  'allow-origin': { type: 'string' },
  'trust-forwarded-for': { type: 'boolean' },
  'max-unknown-tokens': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `usage: spice-ts gateway --target URI | --tokens FILE [options]

Serves the web viewer and carries each of its WebSockets (one per SPICE channel) to a
SPICE server's TCP, UNIX or TLS port. The browser names the server only by an opaque
token in the page address, http://GATEWAY/?token=TOKEN, never by host name.

  --listen ADDR            host:port or unix:/path to serve on (default 127.0.0.1:8080)
  --target URI             one fixed server for every connection: no token needed (and
                           any token given is ignored); anyone who reaches the gateway
                           reaches this server
  --tokens FILE            tokens to servers (format below); reloaded when it changes;
                           a bad file is refused and the previous mapping kept
  --tls-cert F --tls-key F serve https:// and wss:// with this certificate and key (PEM)
  --ca-file F              CA to check TLS servers against when a token names none
                           (default: the system's CAs)
  --viewer-dir D           the bundled viewer (default: dist/viewer of this package)
  --max-sessions-per-token N       sessions at once per token (default 4)
  --max-sessions-per-address N     sessions at once per browser address (default 16)
  --max-connections-per-token N    WebSockets at once per token (default 64)
  --max-connections-per-address N  WebSockets at once per browser address (default 128)
  --idle-timeout S         close a session with no traffic for S seconds; 0 never (default 1800)
  --link-timeout S         a channel must link within S seconds (default 20)
  --max-message-size B     largest WebSocket message from a browser, bytes (default 1048576)
  --allow-origin LIST      origins (https://host[:port], comma-separated) whose pages may
                           connect besides the gateway's own; '*' for any page. By default
                           only pages the gateway serves (same host) may, so that another
                           web site cannot drive a console through a gateway you can reach
  --trust-forwarded-for    behind a reverse proxy: the client address (limits, logs) is the
                           last address in X-Forwarded-For
  --max-unknown-tokens N   an address that tries N unknown tokens in a minute is refused
                           until the minute is over (default 20)
  -q, --quiet              no log lines

Targets: spice://host:port (TCP), spice://host?tls-port=T or spice+tls://host:T (TLS,
used whenever a TLS port is given), spice+unix:///path. A password in the target
(password=...) stays in the gateway: it makes the ticket itself, replacing whatever the
browser sends, so the page connects without asking. Without one, the browser's own
ticket (its password prompt) passes through. (Other users can read a --target
password in the process list; a token file can be kept private.)

Token file, one token a line ('#' starts a comment):
  TOKEN: TARGET [password=PW] [ca-file=F] [host-subject=S] [max-sessions=N] [max-connections=N]
  vm1: spice://10.0.0.5:5900
  vm2: spice://10.0.0.6?tls-port=5901&password=s3cret ca-file=/etc/pki/spice/ca-cert.pem
or JSON: {"vm1": "spice://10.0.0.5:5900", "vm2": {"target": "spice://...", "password": "...", "caFile": "..."}}
Tokens are letters, digits and -._~ (up to 256). A relative ca-file is relative to
the token file. Keep the file readable by the gateway only: it holds passwords.
Replace it in one step (write a new file, then mv it over the old one) so that
a half-written file is never read.

Each session ends with one log line: client address, token, target, channels,
duration and bytes each way (never the password).
`;

function num(v: string | boolean | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--${name} must be a number from ${min} to ${max}`);
  return n;
}

export async function gatewayCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, SPEC);
  if (o.help) { out(HELP); return Exit.OK; }
  if (positionals.length) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unexpected argument '${positionals[0]}'`);
  const target = o.target as string | undefined;
  const tokensPath = o.tokens as string | undefined;
  if (!target === !tokensPath) throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'give either --target URI or --tokens FILE (see --help)');
  const log = o.quiet ? () => {} : (line: string) => process.stderr.write(`spice-ts gateway: ${line}\n`);
  const caFile = o['ca-file'] as string | undefined;
  const limits: Partial<GatewayLimits> = {
    maxSessionsPerToken: num(o['max-sessions-per-token'], 'max-sessions-per-token', 1, 100000),
    maxSessionsPerAddress: num(o['max-sessions-per-address'], 'max-sessions-per-address', 1, 100000),
    maxConnectionsPerToken: num(o['max-connections-per-token'], 'max-connections-per-token', 1, 1000000),
    maxConnectionsPerAddress: num(o['max-connections-per-address'], 'max-connections-per-address', 1, 1000000),
    idleTimeoutMs: (num(o['idle-timeout'], 'idle-timeout', 0, 365 * 86400) ?? 1800) * 1000,
    linkTimeoutMs: (num(o['link-timeout'], 'link-timeout', 0.1, 3600) ?? 20) * 1000,
    maxMessageSize: num(o['max-message-size'], 'max-message-size', 1024, 1 << 30),
  };
  for (const k of Object.keys(limits) as (keyof GatewayLimits)[]) if (limits[k] === undefined) delete limits[k];
  const tokens = tokensPath ? new TokenFile(tokensPath, { log }) : undefined;
  const fixed = target ? gatewayTarget(target, {}, '--target') : undefined;
  const allowedOrigins = typeof o['allow-origin'] === 'string' ? o['allow-origin'].split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const gw = new Gateway({
    ...limits, target: fixed, tokens, caFile, log, allowedOrigins,
    trustForwardedFor: !!o['trust-forwarded-for'],
    maxUnknownTokens: num(o['max-unknown-tokens'], 'max-unknown-tokens', 1, 1000000),
  });
  let l;
  try {
    l = await listenGateway(gw, {
      listen: o.listen as string | undefined, tlsCert: o['tls-cert'] as string | undefined, tlsKey: o['tls-key'] as string | undefined,
      viewerDir: o['viewer-dir'] as string | undefined,
    });
  } catch (e) {
    gw.close();
    tokens?.close();
    throw e;
  }
  out(`spice-ts gateway: listening on ${l.url}\n`);
  if (fixed) {
    out(`  every connection goes to ${describeGatewayTarget(fixed)}${fixed.password !== undefined ? ' (the gateway gives the password)' : ''}\n`);
    out(`  open ${l.url} in a browser\n`);
  } else {
    out(`  ${tokens!.size} token${tokens!.size === 1 ? '' : 's'} from ${tokens!.path}; open ${l.url}?token=TOKEN in a browser\n`);
  }
  out('  press Ctrl+C to stop\n');
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => { finish = r; });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    tokens?.close();
    void l.close().then(() => finish(Exit.OK), () => finish(Exit.FAILURE));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return done;
}
