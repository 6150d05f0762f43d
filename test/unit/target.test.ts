import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpiceError } from '../../src/protocol/errors.js';
import { formatTarget, parseSpiceUri, parseTarget, parseVvFile } from '../../src/client/target.js';
import { loadTarget } from '../../src/client/target-node.js';

/** Asserts fn throws a SpiceError ERR_BAD_TARGET whose message matches `pattern`. */
function throwsBadTarget(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpiceError, `expected a SpiceError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_BAD_TARGET');
    assert.match(e.message, pattern);
    return true;
  });
}

async function rejectsBadTarget(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SpiceError, `expected a SpiceError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_BAD_TARGET');
    assert.match(e.message, pattern);
    return true;
  });
}

/* ----------------------------------------------------------------- spice:// URIs */

test('spice://host:port', () => {
  assert.deepEqual(parseSpiceUri('spice://example.com:5900'), { host: 'example.com', port: 5900, source: 'uri' });
  assert.deepEqual(parseSpiceUri('spice://127.0.0.1:5900/'), { host: '127.0.0.1', port: 5900, source: 'uri' });
});

test('spice://host?port=..&tls-port=..', () => {
  assert.deepEqual(parseSpiceUri('spice://host?port=5900&tls-port=5901'), {
    host: 'host',
    port: 5900,
    tlsPort: 5901,
    source: 'uri',
  });
  // spice-gtk also accepts ';' between parameters; names are case-insensitive; trailing '&' is allowed
  assert.deepEqual(parseSpiceUri('spice://host?Port=5900;TLS-PORT=5901&'), {
    host: 'host',
    port: 5900,
    tlsPort: 5901,
    source: 'uri',
  });
});

test('spice://host:port?tls-port=..&password=.. (password is URL-decoded)', () => {
  assert.deepEqual(parseSpiceUri('spice://host:5900?tls-port=5901&password=secret'), {
    host: 'host',
    port: 5900,
    tlsPort: 5901,
    password: 'secret',
    source: 'uri',
  });
  assert.equal(parseSpiceUri('spice://host:5900?password=a%26b%3Dc%20d%25+e').password, 'a&b=c d%+e');
  assert.equal(parseSpiceUri('spice://host:5900?password=').password, '');
});

test('spice://[::1]:5900 (IPv6, stored without brackets)', () => {
  assert.deepEqual(parseSpiceUri('spice://[::1]:5900'), { host: '::1', port: 5900, source: 'uri' });
  assert.deepEqual(parseSpiceUri('spice://[fe80::1%25eth0]?tls-port=5901'), {
    host: 'fe80::1%eth0',
    tlsPort: 5901,
    source: 'uri',
  });
  assert.deepEqual(parseSpiceUri('spice://[2001:db8::42]:5900?tls-port=5901'), {
    host: '2001:db8::42',
    port: 5900,
    tlsPort: 5901,
    source: 'uri',
  });
});

test('the same port in authority and query is fine; ignored extras (user, unknown params)', () => {
  assert.deepEqual(parseSpiceUri('spice://host:5900?port=5900'), { host: 'host', port: 5900, source: 'uri' });
  assert.deepEqual(parseSpiceUri('SPICE://user@host:5900?com.example.Monitor=2'), {
    host: 'host',
    port: 5900,
    source: 'uri',
  });
});

test('error: a port in authority and query that disagree', () => {
  throwsBadTarget(() => parseSpiceUri('spice://host:5900?port=5902'), /two different ports: 5900 .* port=5902/);
  throwsBadTarget(() => parseSpiceUri('spice://host?port=5900&port=5902'), /"port" is given twice/);
});

test('spice+tls://host:port: the port is the TLS port', () => {
  assert.deepEqual(parseSpiceUri('spice+tls://host:5901'), { host: 'host', tlsPort: 5901, source: 'uri' });
  assert.deepEqual(parseSpiceUri('spice+tls://host?tls-port=5901&password=x'), {
    host: 'host',
    tlsPort: 5901,
    password: 'x',
    source: 'uri',
  });
  assert.deepEqual(parseSpiceUri('spice+tls://[::1]:5901'), { host: '::1', tlsPort: 5901, source: 'uri' });
});

test('error: spice+tls:// with a plain port or two different TLS ports', () => {
  throwsBadTarget(() => parseSpiceUri('spice+tls://host:5901?port=5900'), /only over TLS.*plain port=5900/);
  throwsBadTarget(() => parseSpiceUri('spice+tls://host:5901?tls-port=5903'), /two different TLS ports/);
});

test('spice+unix:///path/to/socket', () => {
  assert.deepEqual(parseSpiceUri('spice+unix:///run/spice/vm1.sock'), {
    unixPath: '/run/spice/vm1.sock',
    source: 'uri',
  });
  assert.deepEqual(parseSpiceUri('spice+unix:///tmp/my%20vm.sock?password=pw'), {
    unixPath: '/tmp/my vm.sock',
    password: 'pw',
    source: 'uri',
  });
});

test('error: spice+unix:// with a relative or empty path, or a port', () => {
  throwsBadTarget(() => parseSpiceUri('spice+unix://tmp/x.sock'), /must be absolute.*three slashes/);
  throwsBadTarget(() => parseSpiceUri('spice+unix://'), /no socket path/);
  throwsBadTarget(() => parseSpiceUri('spice+unix:///tmp/x.sock?port=5900'), /UNIX socket URI.*port=/);
});

test('error: no port at all', () => {
  throwsBadTarget(() => parseSpiceUri('spice://host'), /no port in "spice:\/\/host".*spice:\/\/host:5900/);
  throwsBadTarget(() => parseSpiceUri('spice://host/?password=x'), /no port/);
  throwsBadTarget(() => parseSpiceUri('spice+tls://host'), /no port/);
  throwsBadTarget(() => parseSpiceUri('spice://[::1]'), /no port.*\[::1\]:5900/);
});

test('error: ports must be integers 1..65535', () => {
  throwsBadTarget(() => parseSpiceUri('spice://host:0'), /out of range: 0 \(expected 1 to 65535\)/);
  throwsBadTarget(() => parseSpiceUri('spice://host:65536'), /out of range: 65536/);
  throwsBadTarget(() => parseSpiceUri('spice://host:59x0'), /not a port number: "59x0"/);
  throwsBadTarget(() => parseSpiceUri('spice://host:-1'), /not a port number/);
  throwsBadTarget(() => parseSpiceUri('spice://host:5900.5'), /not a port number/);
  throwsBadTarget(() => parseSpiceUri('spice://host:'), /port .* is empty/);
  throwsBadTarget(() => parseSpiceUri('spice://host?tls-port=99999'), /tls-port= .* out of range/);
  throwsBadTarget(() => parseSpiceUri('spice://host?port=abc'), /not a port number/);
  assert.equal(parseSpiceUri('spice://host:1').port, 1);
  assert.equal(parseSpiceUri('spice://host:65535').port, 65535);
});

test('error: unknown schemes and non-URIs are "not a spice:// URI"', () => {
  throwsBadTarget(() => parseSpiceUri('vnc://host:5900'), /not a spice:\/\/ URI: unknown scheme "vnc:"/);
  throwsBadTarget(() => parseSpiceUri('http://host:5900'), /not a spice:\/\/ URI/);
  throwsBadTarget(() => parseSpiceUri('host:5900'), /not a spice:\/\/ URI/);
  throwsBadTarget(() => parseTarget('vnc://host:5900'), /not a spice:\/\/ URI/);
  throwsBadTarget(() => parseTarget('1vnc://host:5900'), /not a spice:\/\/ URI/);
});

test('error: malformed hosts, paths and escapes', () => {
  throwsBadTarget(() => parseSpiceUri('spice://:5900'), /no host/);
  throwsBadTarget(() => parseSpiceUri('spice://?port=5900'), /no host/);
  throwsBadTarget(() => parseSpiceUri('spice://[::1:5900'), /missing "\]"/);
  throwsBadTarget(() => parseSpiceUri('spice://[::1]5900'), /unexpected "5900" after "\]"/);
  throwsBadTarget(() => parseSpiceUri('spice://[nothost]:5900'), /not a valid IPv6 address/);
  throwsBadTarget(() => parseSpiceUri('spice://::1:5900'), /IPv6 address in brackets/);
  throwsBadTarget(() => parseSpiceUri('spice://host:5900/some/path'), /unexpected path "\/some\/path"/);
  throwsBadTarget(() => parseSpiceUri('spice://host:5900?password=%zz'), /malformed %-escape/);
  throwsBadTarget(() => parseSpiceUri('spice://ho%20st:5900'), /not a valid host name/);
});

test('error messages never show the password', () => {
  assert.throws(
    () => parseSpiceUri('spice://host?password=hunter2'),
    (e: unknown) => e instanceof SpiceError && !e.message.includes('hunter2') && /password=\*\*\*/.test(e.message),
  );
});

/* ----------------------------------------------------------------- parseTarget */

test('parseTarget: host:port and [v6]:port without a scheme', () => {
  assert.deepEqual(parseTarget('localhost:5900'), { host: 'localhost', port: 5900, source: 'hostport' });
  assert.deepEqual(parseTarget(' 192.168.1.10:5930 '), { host: '192.168.1.10', port: 5930, source: 'hostport' });
  assert.deepEqual(parseTarget('[::1]:5900'), { host: '::1', port: 5900, source: 'hostport' });
  assert.deepEqual(parseTarget('[2001:db8::1]:5901'), { host: '2001:db8::1', port: 5901, source: 'hostport' });
});

test('parseTarget: URIs go to parseSpiceUri', () => {
  assert.deepEqual(parseTarget('spice://host:5900?tls-port=5901'), {
    host: 'host',
    port: 5900,
    tlsPort: 5901,
    source: 'uri',
  });
  assert.deepEqual(parseTarget('spice+tls://host:5901'), { host: 'host', tlsPort: 5901, source: 'uri' });
  assert.deepEqual(parseTarget('spice+unix:///run/s.sock'), { unixPath: '/run/s.sock', source: 'uri' });
});

test('error: parseTarget without a port, with a bad port, or with an unbracketed IPv6 address', () => {
  throwsBadTarget(() => parseTarget('localhost'), /no port in "localhost".*localhost:5900/);
  throwsBadTarget(() => parseTarget('[::1]'), /no port.*\[::1\]:5900/);
  throwsBadTarget(() => parseTarget('localhost:0'), /out of range/);
  throwsBadTarget(() => parseTarget('localhost:http'), /not a port number/);
  throwsBadTarget(() => parseTarget('::1:5900'), /IPv6 address in brackets, e\.g\. \[::1\]:5900/);
  throwsBadTarget(() => parseTarget(':5900'), /no host/);
  throwsBadTarget(() => parseTarget(''), /no server given/);
  throwsBadTarget(() => parseTarget('my host:5900'), /not a valid host name/);
});

/* ----------------------------------------------------------------- .vv files */

const PEM_ESCAPED =
  '-----BEGIN CERTIFICATE-----\\nMIIFfTCCA2WgAwIBAgIUQ2r3\\nZmFrZSBjZXJ0aWZpY2F0ZQ==\\n-----END CERTIFICATE-----\\n';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIFfTCCA2WgAwIBAgIUQ2r3\nZmFrZSBjZXJ0aWZpY2F0ZQ==\n-----END CERTIFICATE-----\n';

/** As Proxmox VE's /nodes/{node}/qemu/{vmid}/spiceproxy result is written out by its web UI (CRLF, hash key order). */
const PROXMOX_VV = [
  '[virt-viewer]',
  'secure-attention=Ctrl+Alt+Ins',
  'release-cursor=Ctrl+Alt+R',
  'type=spice',
  'tls-port=61000',
  'delete-this-file=1',
  'proxy=http://pve1.example.com:3128',
  'toggle-fullscreen=Shift+F11',
  'title=VM 100 - foo',
  'password=31a189dd71ce859867e28dd68ba166a701e77eed',
  'host=pvespiceproxy:63489cf9:100:pve1::c934cf7f7570012bbebab9e1167402b6471aae16',
  'host-subject=OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.example.com',
  `ca=${PEM_ESCAPED}`,
  'secure-channels=main;inputs;cursor;playback;record;display;usbredir;smartcard',
  '',
].join('\r\n');

test('.vv file as written by Proxmox VE', () => {
  const t = parseVvFile(PROXMOX_VV);
  assert.deepEqual(t, {
    source: 'vv',
    host: 'pvespiceproxy:63489cf9:100:pve1::c934cf7f7570012bbebab9e1167402b6471aae16',
    tlsPort: 61000,
    password: '31a189dd71ce859867e28dd68ba166a701e77eed',
    caPem: PEM,
    hostSubject: 'OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.example.com',
    title: 'VM 100 - foo',
    proxy: 'http://pve1.example.com:3128',
    secureChannels: ['main', 'inputs', 'cursor', 'playback', 'record', 'display', 'usbredir', 'smartcard'],
  });
  assert.equal(t.port, undefined);
  // the host is an opaque Proxmox token: it contains ':' but is no IPv6 address, so no brackets
  assert.equal(
    formatTarget(t),
    'pvespiceproxy:63489cf9:100:pve1::c934cf7f7570012bbebab9e1167402b6471aae16:61000 (tls) via http://pve1.example.com:3128',
  );
});

/** As the oVirt engine writes it: port=-1 (TLS only), comments, a trailing [ovirt] section with its own host/ca. */
const OVIRT_VV = `[virt-viewer]
type=spice
host=192.168.122.50
port=-1
password=0TZ7mt5iYvZ1
# Password is valid for 120 seconds.
delete-this-file=1
fullscreen=0
title=win10:%d - Press SHIFT+F12 to Release Cursor
toggle-fullscreen=shift+f11
release-cursor=shift+f12
secure-attention=ctrl+alt+end
tls-port=5901
enable-smartcard=0
enable-usb-autoshare=1
usb-filter=-1,-1,-1,-1,0
tls-ciphers=DEFAULT
host-subject=O=example.com,CN=hv1.example.com
ca=${PEM_ESCAPED}
secure-channels=main;inputs;cursor;playback;record;display;smartcard;usbredir
versions=rhev-win64:2.0-160;rhev-win32:2.0-160;rhel8:7.0-3;rhel7:2.0-6;rhel6:99.0-1
newer-version-url=http://www.ovirt.org/documentation/admin-guide/virt/console-client-resources

[ovirt]
host=engine.example.com:443
vm-guid=6d4c6b4e-0f5b-4f0c-a7d6-6d2b4b6e1c8a
sso-token=abcdefghijklmnop
admin=1
ca=-----BEGIN CERTIFICATE-----\\nOTHER\\n-----END CERTIFICATE-----\\n
`;

test('.vv file as written by oVirt (port=-1 means no plain port)', () => {
  const t = parseVvFile(OVIRT_VV);
  assert.deepEqual(t, {
    source: 'vv',
    host: '192.168.122.50',
    tlsPort: 5901,
    password: '0TZ7mt5iYvZ1',
    caPem: PEM,
    hostSubject: 'O=example.com,CN=hv1.example.com',
    title: 'win10:%d - Press SHIFT+F12 to Release Cursor',
    secureChannels: ['main', 'inputs', 'cursor', 'playback', 'record', 'display', 'smartcard', 'usbredir'],
  });
  assert.equal('port' in t, false);
});

test('.vv: minimal file from the remote-viewer man page; other keys and sections ignored', () => {
  assert.deepEqual(parseVvFile('[virt-viewer]\ntype=spice\nhost=betsiboka\nport=5900\nfullscreen=1\n'), {
    source: 'vv',
    host: 'betsiboka',
    port: 5900,
  });
  const t = parseVvFile('[other]\nhost=wrong\nport=1\n[virt-viewer]\ntype=spice\nhost=right\nport=5900\nenable-usbredir=1\n');
  assert.equal(t.host, 'right');
  assert.equal(t.port, 5900);
});

test('.vv: comments (# and ;), CRLF, blank lines and whitespace around "="', () => {
  const text = '\uFEFF# generated\r\n; another comment\r\n\r\n  [virt-viewer]  \r\n type = spice \r\n\thost\t=\t10.0.0.1\r\nport =5900\r\ntls-port= 5901\r\npassword = p w \r\n';
  assert.deepEqual(parseVvFile(text), {
    source: 'vv',
    host: '10.0.0.1',
    port: 5900,
    tlsPort: 5901,
    password: 'p w',
  });
});

test('.vv: ca turns \\n escapes into newlines; other GKeyFile escapes', () => {
  const t = parseVvFile(`[virt-viewer]\ntype=spice\nhost=h\nport=5900\nca=${PEM_ESCAPED}\npassword=\\sa\\\\b\ntitle=x\\ty\n`);
  assert.equal(t.caPem, PEM);
  assert.ok(t.caPem!.startsWith('-----BEGIN CERTIFICATE-----\nMIIF'));
  assert.equal(t.password, ' a\\b');
  assert.equal(t.title, 'x\ty');
});

test('.vv: secure-channels list and "all"', () => {
  const base = '[virt-viewer]\ntype=spice\nhost=h\ntls-port=5901\n';
  assert.deepEqual(parseVvFile(`${base}secure-channels=main; display ;inputs;\n`).secureChannels, [
    'main',
    'display',
    'inputs',
  ]);
  assert.deepEqual(parseVvFile(`${base}secure-channels=all\n`).secureChannels, ['all']);
  assert.deepEqual(parseVvFile(`${base}secure-channels=main;all\n`).secureChannels, ['all']);
  assert.equal(parseVvFile(`${base}secure-channels=\n`).secureChannels, undefined);
});

test('.vv: IPv6 host (brackets removed), unix-path, proxy', () => {
  assert.equal(parseVvFile('[virt-viewer]\ntype=spice\nhost=[::1]\nport=5900\n').host, '::1');
  assert.equal(parseVvFile('[virt-viewer]\ntype=spice\nhost=fe80::2\nport=5900\n').host, 'fe80::2');
  assert.deepEqual(parseVvFile('[virt-viewer]\ntype=spice\nunix-path=/run/vm.sock\n'), {
    source: 'vv',
    unixPath: '/run/vm.sock',
  });
  assert.equal(
    parseVvFile('[virt-viewer]\ntype=spice\nhost=h\nport=5900\nproxy=http://proxy:8080\n').proxy,
    'http://proxy:8080',
  );
});

test('error: .vv without a [virt-viewer] section', () => {
  throwsBadTarget(() => parseVvFile('[ovirt]\nhost=engine\n'), /no \[virt-viewer\] section/);
  throwsBadTarget(() => parseVvFile(''), /no \[virt-viewer\] section/);
});

test('error: .vv type other than spice, or no type', () => {
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=vnc\nhost=h\nport=5900\n'), /type=vnc; only type=spice/);
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=ovirt\nhost=h\n'), /type=ovirt; only type=spice/);
  throwsBadTarget(() => parseVvFile('[virt-viewer]\nhost=h\nport=5900\n'), /no type= key/);
  assert.equal(parseVvFile('[virt-viewer]\ntype=SPICE\nhost=h\nport=5900\n').port, 5900);
});

test('error: .vv without host, without any port, or with bad ports', () => {
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=spice\nport=5900\n'), /no host=/);
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=spice\nhost=h\n'), /no usable port/);
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=spice\nhost=h\nport=-1\ntls-port=-1\n'), /no usable port/);
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=spice\nhost=h\nport=70000\n'), /port= .* out of range: 70000/);
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=spice\nhost=h\ntls-port=abc\n'), /tls-port= .* not a port number: "abc"/);
  throwsBadTarget(
    () => parseVvFile('[virt-viewer]\ntype=spice\nunix-path=/s\nhost=h\nport=5900\n'),
    /both unix-path= and host=/,
  );
});

test('error: .vv with malformed lines', () => {
  throwsBadTarget(() => parseVvFile('[virt-viewer]\ntype=spice\nthis is not ini\n'), /line 3 is neither "key=value"/);
  throwsBadTarget(() => parseVvFile('type=spice\n[virt-viewer]\n'), /line 1: "key=value" before any \[section\]/);
  throwsBadTarget(() => parseVvFile('[virt-viewer\ntype=spice\n'), /line 1: a section header must end with "\]"/);
});

/* ----------------------------------------------------------------- formatTarget */

test('formatTarget: short descriptions without passwords', () => {
  assert.equal(formatTarget({ host: '127.0.0.1', port: 5900, tlsPort: 5901, source: 'uri' }), '127.0.0.1:5900 (tls 5901)');
  assert.equal(formatTarget({ host: 'h', port: 5900, password: 'secret', source: 'hostport' }), 'h:5900');
  assert.equal(formatTarget({ host: 'h', tlsPort: 5901, source: 'uri' }), 'h:5901 (tls)');
  assert.equal(formatTarget({ host: '::1', port: 5900, source: 'uri' }), '[::1]:5900');
  assert.equal(formatTarget({ host: 'fe80::1%eth0', tlsPort: 5901, source: 'uri' }), '[fe80::1%eth0]:5901 (tls)');
  assert.equal(formatTarget({ unixPath: '/run/s.sock', source: 'uri' }), 'unix:/run/s.sock');
  assert.equal(
    formatTarget({ host: 'h', tlsPort: 5901, proxy: 'http://user:pw@proxy:3128', source: 'vv' }),
    'h:5901 (tls) via http://proxy:3128',
  );
});

/* ----------------------------------------------------------------- loadTarget (Node) */

test('loadTarget: reads .vv files and existing files, otherwise parses the argument', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spice-target-'));
  try {
    const vv = join(dir, 'console.vv');
    await writeFile(vv, PROXMOX_VV);
    assert.equal((await loadTarget(vv)).tlsPort, 61000);
    const noExt = join(dir, 'connection');
    await writeFile(noExt, OVIRT_VV);
    assert.equal((await loadTarget(noExt)).host, '192.168.122.50');
    assert.deepEqual(await loadTarget('localhost:5900'), { host: 'localhost', port: 5900, source: 'hostport' });
    assert.equal((await loadTarget('spice://h?tls-port=5901')).tlsPort, 5901);
    await rejectsBadTarget(loadTarget(join(dir, 'missing.vv')), /cannot read connection file .*missing\.vv.*no such file/);
    const broken = join(dir, 'broken.vv');
    await writeFile(broken, '[virt-viewer]\ntype=vnc\n');
    await rejectsBadTarget(loadTarget(broken), /broken\.vv: .*type=vnc/);
    await rejectsBadTarget(loadTarget('nowhere'), /no port in "nowhere"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
