// A throwaway PKI for SPICE over TLS on 127.0.0.1, made with openssl at test time.
//
// File names are the ones spice-server (QEMU's x509-dir, Xspice's
// XSPICE_X509_DIR) looks for: ca-cert.pem, server-cert.pem, server-key.pem.
// The server certificate has CN=127.0.0.1 and subjectAltName
// IP:127.0.0.1,DNS:localhost, so clients that check the host name
// (spice-gtk, Node's tls with servername) accept spice://127.0.0.1 and
// spice://localhost. Clients: remote-viewer --spice-ca-file=<caCert>
// --spice-secure-channels=all 'spice://127.0.0.1?tls-port=P'.

import { mkdirSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir, run } from './proc.js';

export interface Pki {
  /** The x509 dir to give the server. */
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Delete the folder (only when makePki created it; otherwise only the files it wrote). */
  remove(): void;
}

export async function makePki(dir?: string): Promise<Pki> {
  const own = dir === undefined;
  const d = dir ?? makeTempDir('pki');
  mkdirSync(d, { recursive: true });
  const f = (name: string) => join(d, name);
  const ssl = (args: string[]) => run('openssl', args, { cwd: d, timeoutMs: 30_000 });
  try {
    await ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=spice-ts test CA',
      '-keyout', f('ca-key.pem'), '-out', f('ca-cert.pem')]);
    await ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
      '-keyout', f('server-key.pem'), '-out', f('server.csr')]);
    writeFileSync(
      f('server-ext.cnf'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\n' +
        'basicConstraints=CA:FALSE\n' +
        'keyUsage=digitalSignature,keyEncipherment\n' +
        'extendedKeyUsage=serverAuth\n',
    );
    await ssl(['x509', '-req', '-days', '30', '-in', f('server.csr'), '-CA', f('ca-cert.pem'), '-CAkey', f('ca-key.pem'),
      '-CAcreateserial', '-extfile', f('server-ext.cnf'), '-out', f('server-cert.pem')]);
    chmodSync(f('ca-key.pem'), 0o600);
    chmodSync(f('server-key.pem'), 0o600);
  } catch (e) {
    if (own) removeTempDir(d);
    throw new Error(`makePki: ${(e as Error).message}`);
  } finally {
    for (const tmp of ['server.csr', 'server-ext.cnf', 'ca-cert.srl']) rmSync(f(tmp), { force: true });
  }
  return {
    dir: d,
    caCert: f('ca-cert.pem'),
    caKey: f('ca-key.pem'),
    serverCert: f('server-cert.pem'),
    serverKey: f('server-key.pem'),
    remove() {
      if (own) removeTempDir(d);
      else for (const n of ['ca-cert.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem']) rmSync(f(n), { force: true });
    },
  };
}
