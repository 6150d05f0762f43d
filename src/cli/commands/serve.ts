/**
 * `spice-ts serve`: show a display source to SPICE viewers (remote-viewer, spicy,
 * spice-html5 over WebSocket on the same port, spice-ts).
 */
import { viewerHttpHandler } from '../../server/web-files.js';
import { parseArgs } from '../args.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { Exit } from '../exit-codes.js';
import { createServer } from '../../server/server.js';
import { listen, parseListen } from '../../server/listen.js';
import { COMPRESSION_NAMES } from '../../server/display/image-encoder.js';
import { nodeTicketCrypto } from '../../protocol/crypto/node-ticket.js';
import type { DisplaySource } from '../../server/source.js';
import type { X11DisplaySource } from '../../server/sources/x11/source.js';

const SPEC = {
  listen: { type: 'string' },
  'tls-port': { type: 'string' },
  'x509-dir': { type: 'string' },
  password: { type: 'string' },
  'disable-ticketing': { type: 'boolean' },
  source: { type: 'string' },
  display: { type: 'string' },
  size: { type: 'string' },
  'image-compression': { type: 'string' },
  jpeg: { type: 'string' },
  'jpeg-quality': { type: 'string' },
  'no-image-cache': { type: 'boolean' },
  'max-viewers': { type: 'string' },
  'shared-input': { type: 'string' },
  'mouse-mode': { type: 'string' },
  'secure-channels': { type: 'string' },
  'no-websocket': { type: 'boolean' },
  'no-scroll-detect': { type: 'boolean' },
  framebuffer: { type: 'string' },
  stats: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `usage: spice-ts serve [options]

Shows a display source to SPICE viewers. Plain SPICE and WebSocket (spice-html5)
share the listening port.

  --listen ADDR            host:port or unix:/path (default 127.0.0.1:5900)
  --tls-port P             also listen for TLS on port P (needs --x509-dir)
  --x509-dir D             directory with ca-cert.pem, server-cert.pem, server-key.pem
  --secure-channels LIST   channels that must use TLS: main,display,inputs,cursor or all
  --password PW            the ticket viewers must give (or set SPICE_PASSWORD)
  --disable-ticketing      accept any viewer (the default on a loopback address)
  --source demo|x11        what to show (default demo)
  --display :N             the X display for --source x11 (default $DISPLAY)
  --no-scroll-detect       x11: do not look for scrolled areas (they are then sent as images)
  --framebuffer FILE|off   x11: read pixels from this Xvfb framebuffer file instead of
                           asking the X server (default: the file of an Xvfb started with
                           -fbdir DIR, found by itself; off: never)
  --size WxH               demo screen size (default 1024x768)
  --image-compression C    auto|auto_glz|auto_lz|quic|glz|lz|lz4|off (default auto)
  --jpeg never|always      lossy JPEG for photo-like areas, where QUIC would be used
                           (spice-server's jpeg-wan-compression; default never)
  --jpeg-quality N         JPEG quality 1..100 (default 85)
  --no-image-cache         do not use the viewers' pixmap caches for repeated pictures
  --max-viewers N          viewers at once (default 16)
  --shared-input all|first input from every viewer, or only the first (default all)
  --mouse-mode client|server  mouse mode viewers start in (default client)
  --no-websocket           do not answer WebSocket upgrades
  --stats                  print what was sent, per codec, and what the viewers'
                           image caches saved, at exit
  -q, --quiet              no log lines
`;

function isLoopback(listenSpec: string): boolean {
  const w = parseListen(listenSpec);
  if ('path' in w) return true;
  return w.host === 'localhost' || w.host === '::1' || /^127\./.test(w.host);
}

function int(v: string | boolean | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--${name} must be a whole number in ${min}..${max}`);
  return n;
}

async function makeSource(kind: string, o: Record<string, string | boolean | undefined>, log?: (line: string) => void): Promise<DisplaySource> {
  if (kind === 'demo') {
    const { createDemoSource } = await import('../../server/sources/demo.js');
    let width: number | undefined, height: number | undefined;
    if (typeof o.size === 'string') {
      const m = /^(\d+)x(\d+)$/.exec(o.size);
      if (!m) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--size must look like 1024x768`);
      width = Number(m[1]); height = Number(m[2]);
    }
    return createDemoSource({ width, height });
  }
  if (kind === 'x11') {
    const display = (o.display as string | undefined) ?? process.env.DISPLAY;
    if (!display) throw new SpiceError(ErrorCode.BAD_ARGUMENT, '--source x11 needs --display :N (or $DISPLAY)');
    const { createX11Source } = await import('../../server/sources/x11/source.js');
    const fb = o.framebuffer as string | undefined;
    return createX11Source(display, {
      ...(o['no-scroll-detect'] ? { scroll: false } : {}),
      ...(fb !== undefined ? { framebuffer: fb === 'off' ? false : fb } : {}),
      log,
    });
  }
  throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown source '${kind}' (use demo or x11)`);
}

/** What the source itself counted, for --stats (the x11 source's scroll search), as lines. */
async function sourceStats(source: DisplaySource): Promise<string> {
  if (!('scrollStats' in source)) return '';
  const { formatScrollStats } = await import('../../server/sources/x11/source.js');
  return `${formatScrollStats((source as X11DisplaySource).scrollStats)}\n`;
}

export async function serveCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, SPEC);
  if (o.help) { out(HELP); return Exit.OK; }
  if (positionals.length) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unexpected argument '${positionals[0]}'`);
  const listenSpec = (o.listen as string | undefined) ?? '127.0.0.1:5900';
  const password = (o.password as string | undefined) ?? process.env.SPICE_PASSWORD;
  let disableTicketing = !!o['disable-ticketing'];
  if (password === undefined && !disableTicketing) {
    if (!isLoopback(listenSpec)) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'listening beyond this machine needs --password (or SPICE_PASSWORD), or --disable-ticketing');
    }
    disableTicketing = true;
  }
  const compression = (o['image-compression'] as string | undefined) ?? 'auto';
  if (!COMPRESSION_NAMES[compression]) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown --image-compression '${compression}' (use ${Object.keys(COMPRESSION_NAMES).join(', ')})`);
  }
  const jpeg = (o.jpeg as string | undefined) ?? 'never';
  if (jpeg !== 'never' && jpeg !== 'always') throw new SpiceError(ErrorCode.BAD_ARGUMENT, '--jpeg is never or always');
  const jpegQuality = int(o['jpeg-quality'], 'jpeg-quality', 1, 100);
  const sharedInput = (o['shared-input'] as string | undefined) ?? 'all';
  if (sharedInput !== 'all' && sharedInput !== 'first') throw new SpiceError(ErrorCode.BAD_ARGUMENT, '--shared-input is all or first');
  const mouseMode = (o['mouse-mode'] as string | undefined) ?? 'client';
  if (mouseMode !== 'client' && mouseMode !== 'server') throw new SpiceError(ErrorCode.BAD_ARGUMENT, '--mouse-mode is client or server');
  const quiet = !!o.quiet;
  const log = quiet ? undefined : (line: string) => process.stderr.write(`spice-ts serve: ${line}\n`);
  const source = await makeSource((o.source as string | undefined) ?? 'demo', o, log);
  const server = createServer({
    source, password, disableTicketing, imageCompression: compression as never,
    jpeg, jpegQuality, imageCache: !o['no-image-cache'],
    maxViewers: int(o['max-viewers'], 'max-viewers', 1, 1000), input: sharedInput, mouseMode,
    secureChannels: typeof o['secure-channels'] === 'string' ? o['secure-channels'].split(',').map((s) => s.trim()) : undefined,
    crypto: nodeTicketCrypto, log, name: `spice-ts ${source.name}`,
  });
  server.on('source-error', () => { void stop(Exit.FAILURE); });
  await server.start();
  const l = await listen(server, {
    listen: listenSpec, tlsPort: int(o['tls-port'], 'tls-port', 0, 65535), x509Dir: o['x509-dir'] as string | undefined,
    websocket: !o['no-websocket'],
    // The web viewer (dist/viewer, built by npm ci / npm run build) on the same port.
    http: o['no-websocket'] ? undefined : viewerHttpHandler(),
  });
  const a = l.addresses;
  out(`spice-ts serve: showing '${source.name}' on ${a.plain}${a.tls ? ` and ${a.tls}` : ''}\n`);
  out(`  connect with:  remote-viewer ${a.tls ?? a.plain}\n`);
  if (a.port !== undefined && !o['no-websocket']) {
    const host = a.host === '0.0.0.0' ? '127.0.0.1' : a.host.includes(':') ? `[${a.host}]` : a.host;
    out(`  or in a browser:  http://${host}:${a.port}/\n`);
    out(`  WebSocket (spice-html5, spice-ts viewer):  ws://${host}:${a.port}\n`);
  }
  out(disableTicketing ? '  no password (ticketing disabled)\n' : '  a password is required\n');
  out('  press Ctrl+C to stop\n');
  let stopping: Promise<number> | undefined;
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => { finish = r; });
  function stop(code: number): Promise<number> {
    stopping ??= (async () => {
      await l.close();
      if (o.stats) out(`${server.stats.format()}\n${await sourceStats(source)}`);
      finish(code);
      return code;
    })();
    return stopping;
  }
  process.once('SIGINT', () => void stop(Exit.OK));
  process.once('SIGTERM', () => void stop(Exit.OK));
  return done;
}
