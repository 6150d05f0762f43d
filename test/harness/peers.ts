// The interop test harness: real SPICE peers (QEMU, Xspice), X displays,
// a throwaway PKI and tshark captures, all on 127.0.0.1.
//
// The peers are Debian 12 packages installed by scripts/install-peers.sh.
// When one is missing an interop test skips, unless SPICE_INTEROP=required
// (CI), where it fails instead:
//
//   test('...', async (t) => {
//     if (!needPeers(t, 'qemu-system-x86_64')) return;
//     const q = await startQemu();
//     t.after(() => q.stop());
//     ...
//   });
//
// Process hygiene: every process is spawned detached in its own process
// group, recorded, stopped by PID (SIGTERM, then SIGKILL), and killed at
// test-process exit if a test forgot it (see proc.ts).

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join, isAbsolute } from 'node:path';
import type { TestContext } from 'node:test';
import { XORG_BINARY, SPICEQXL_DRIVER } from './x11.js';

export { freePort, freePorts, portListening, portListeningBy, listeningPorts, listeningSockets } from './net.js';
export {
  spawnPeer, run, isAlive, procState, stopAll, runningPeers, waitUntil, sleep, makeTempDir, removeTempDir, tailFile,
  type PeerProcess,
} from './proc.js';
export { startQemu, hmpCommand, ppmExpectedSize, QEMU_BINARY, type QemuOptions, type QemuPeer } from './qemu.js';
export {
  startXspice, startXvfb, displayAnswers, DEMO_ROOT_RGB, XORG_BINARY, SPICEQXL_DRIVER,
  type XspiceOptions, type XspicePeer, type XDisplay,
} from './x11.js';
export { makePki, type Pki } from './pki.js';
export { startCapture, decodeCapture, findFields, FIELD_NAMES, type Capture } from './capture.js';

export const INSTALL_SCRIPT = 'scripts/install-peers.sh';

/** True when env SPICE_INTEROP === 'required': a missing peer is then a failure, not a skip. */
export function interopRequired(): boolean {
  return process.env.SPICE_INTEROP === 'required';
}

/** Absolute path of an executable `cmd` (absolute path, or looked up on PATH), or undefined. */
export function which(cmd: string): string | undefined {
  const ok = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(cmd) || cmd.includes('/')) return ok(cmd) ? cmd : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && ok(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

/**
 * Whether this process may capture packets: root, or (Debian's "non-superusers
 * may capture" setup) a member of the group owning /usr/bin/dumpcap.
 */
export function canCapture(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const { gid } = statSync('/usr/bin/dumpcap');
    return gid !== 0 && (process.getgroups?.() ?? []).includes(gid);
  } catch {
    return false;
  }
}

/** Why a peer cannot be used: `what` is missing, or is there but not usable (`unusable` says why). */
export interface PeerProblem {
  what: string;
  unusable?: string;
}

/**
 * What is wrong with peer `name`, or undefined if it is usable. Besides
 * plain command names and absolute paths it knows:
 *   'Xspice' / 'xspice'  Xorg + the spiceqxl driver, and root (Xorg takes an
 *                        absolute -config path only from root)
 *   'tshark'             tshark, and the right to capture on lo (see canCapture)
 *   'qemu'               qemu-system-x86_64
 *   'spice-html5'        /usr/share/spice-html5/spice_auto.html
 *   'import' / 'convert' ImageMagick's, in /usr/bin (another one may come first on PATH)
 */
export function peerProblem(name: string): PeerProblem | undefined {
  switch (name) {
    case 'Xspice':
    case 'xspice':
      if (!which(XORG_BINARY)) return { what: `Xspice (${XORG_BINARY})` };
      if (!existsSync(SPICEQXL_DRIVER)) return { what: `Xspice (${SPICEQXL_DRIVER})` };
      if (process.getuid?.() !== 0) {
        return { what: 'Xspice', unusable: 'needs root (Xorg accepts an absolute -config path only from root)' };
      }
      return undefined;
    case 'tshark':
      if (!which('tshark')) return { what: 'tshark' };
      if (!canCapture()) return { what: 'tshark', unusable: "may not capture on lo (not root, not in dumpcap's group)" };
      return undefined;
    case 'qemu':
      return which('qemu-system-x86_64') ? undefined : { what: 'qemu-system-x86_64' };
    case 'spice-html5':
      return existsSync('/usr/share/spice-html5/spice_auto.html') ? undefined : { what: 'spice-html5 (/usr/share/spice-html5)' };
    case 'import':
    case 'convert':
      return which(`/usr/bin/${name}`) ? undefined : { what: `ImageMagick ${name} (/usr/bin/${name})` };
    default:
      return which(name) ? undefined : { what: name };
  }
}

/** Whether a peer (as needPeers names it) is installed and usable here. */
export function commandExists(name: string): boolean {
  return peerProblem(name) === undefined;
}

/**
 * Check that every peer in `commands` is installed and usable (see
 * peerProblem). If not: with SPICE_INTEROP=required throw; otherwise mark the
 * test skipped and return false (the caller returns at once).
 */
export function needPeers(t: TestContext, ...commands: string[]): boolean {
  const problems = commands.map(peerProblem).filter((m): m is PeerProblem => m !== undefined);
  if (problems.length === 0) return true;
  const missing = problems.filter((p) => !p.unusable).map((p) => p.what);
  const unusable = problems.filter((p) => p.unusable).map((p) => `${p.what} ${p.unusable}`);
  const parts = [
    ...(missing.length ? [`${missing.join(', ')} not installed (run ${INSTALL_SCRIPT})`] : []),
    ...unusable,
  ];
  if (interopRequired()) {
    throw new Error(
      `interop peer unavailable (SPICE_INTEROP=required): ${parts.join('; ')}` +
        (missing.length ? `; install the peers with ${INSTALL_SCRIPT} as root` : ''),
    );
  }
  t.skip(`interop: ${parts.join('; ')}`);
  return false;
}

/**
 * GStreamer elements spice-server's video encoders build their pipelines from ("appsrc !
 * videoconvert ! ENCODER ! appsink"), by the plugin file that holds each and the Debian
 * package that installs it.
 */
const GSTREAMER_ELEMENTS: Record<string, { plugins: string[]; pkg: string }> = {
  appsrc: { plugins: ['libgstapp.so'], pkg: 'gstreamer1.0-plugins-base' },
  appsink: { plugins: ['libgstapp.so'], pkg: 'gstreamer1.0-plugins-base' },
  // GStreamer 1.22 merged videoconvert and videoscale into one plugin.
  videoconvert: { plugins: ['libgstvideoconvertscale.so', 'libgstvideoconvert.so'], pkg: 'gstreamer1.0-plugins-base' },
  vp8enc: { plugins: ['libgstvpx.so'], pkg: 'gstreamer1.0-plugins-good' },
  vp9enc: { plugins: ['libgstvpx.so'], pkg: 'gstreamer1.0-plugins-good' },
  x264enc: { plugins: ['libgstx264.so'], pkg: 'gstreamer1.0-plugins-ugly' },
  avenc_mjpeg: { plugins: ['libgstlibav.so'], pkg: 'gstreamer1.0-libav' },
};

const GSTREAMER_DIRS = ['/usr/lib/x86_64-linux-gnu/gstreamer-1.0', '/usr/lib/aarch64-linux-gnu/gstreamer-1.0', '/usr/lib/gstreamer-1.0', '/usr/lib64/gstreamer-1.0'];

/** What is missing for GStreamer elements `elements` (the Debian packages to install), or undefined. */
export function gstreamerProblem(...elements: string[]): PeerProblem | undefined {
  const pkgs = new Set<string>();
  for (const e of elements) {
    const spec = GSTREAMER_ELEMENTS[e];
    if (!spec) throw new Error(`gstreamerProblem: unknown element ${e}`);
    if (!spec.plugins.some((p) => GSTREAMER_DIRS.some((d) => existsSync(join(d, p))))) pkgs.add(spec.pkg);
  }
  return pkgs.size ? { what: `GStreamer ${elements.join(', ')} (${[...pkgs].join(', ')})` } : undefined;
}

/** needPeers for GStreamer elements: skip (or, under SPICE_INTEROP=required, fail) when one is missing. */
export function needGstreamer(t: TestContext, ...elements: string[]): boolean {
  const p = gstreamerProblem(...elements);
  if (!p) return true;
  if (interopRequired()) throw new Error(`interop peer unavailable (SPICE_INTEROP=required): ${p.what} not installed`);
  t.skip(`interop: ${p.what} not installed (apt-get install ${p.what.replace(/^.*\((.*)\)$/, '$1').replace(/,/g, '')})`);
  return false;
}
