/**
 * The gateway's token file: both formats, every kind of bad line named by its line, and a
 * file in use reloaded on change, keeping the last good mapping when a new version is bad.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTokenFile, TokenFile, describeGatewayTarget } from '../../src/gateway/tokens.js';
import { ErrorCode, isSpiceError } from '../../src/protocol/errors.js';
import { waitUntil } from '../harness/peers.js';

test('a token file in the line format: targets, passwords (URI or key), CA files, limits, comments', () => {
  const m = parseTokenFile([
    '# the lab machines',
    '',
    'vm1: spice://10.0.0.5:5900',
    '  vm-2:spice://10.0.0.6?tls-port=5901&password=s%20cret   ca-file=certs/ca.pem host-subject=CN=vm2',
    'vm_3.x~: spice+unix:///run/vm3.sock password=pw max-sessions=1 max-connections=8',
    'v6: spice://[::1]:5930',
  ].join('\n'), 'tokens.txt', '/etc/spice');
  assert.deepEqual([...m.keys()], ['vm1', 'vm-2', 'vm_3.x~', 'v6']);
  assert.deepEqual(m.get('vm1'), { target: { host: '10.0.0.5', port: 5900, source: 'uri' } });
  const vm2 = m.get('vm-2')!;
  assert.equal(vm2.password, 's cret');
  assert.equal(vm2.target.password, undefined, 'the password is kept apart from the target');
  assert.equal(vm2.caFile, '/etc/spice/certs/ca.pem');
  assert.equal(vm2.hostSubject, 'CN=vm2');
  assert.equal(describeGatewayTarget(vm2), 'tls://10.0.0.6:5901');
  const vm3 = m.get('vm_3.x~')!;
  assert.deepEqual([vm3.target.unixPath, vm3.password, vm3.maxSessions, vm3.maxConnections], ['/run/vm3.sock', 'pw', 1, 8]);
  assert.equal(describeGatewayTarget(m.get('v6')!), '[::1]:5930');
});

test('a token file in JSON', () => {
  const m = parseTokenFile(JSON.stringify({
    a: 'spice://h:1',
    b: { target: 'spice://h?tls-port=2', password: 'x', caFile: '/ca.pem', maxSessions: 2 },
  }));
  assert.equal(m.get('a')!.target.port, 1);
  assert.deepEqual([m.get('b')!.password, m.get('b')!.caFile, m.get('b')!.maxSessions, m.get('b')!.target.tlsPort], ['x', '/ca.pem', 2, 2]);
  assert.throws(() => parseTokenFile('{"a": 5}'), /token 'a'.*target URI/);
  assert.throws(() => parseTokenFile('{"a": {"target": "spice://h:1", "password": ["x"]}}'), /"password" must be a string/);
  assert.throws(() => parseTokenFile('{ nope'), /not valid JSON/);
  assert.throws(() => parseTokenFile('{"bad token": "spice://h:1"}'), /not a valid token/);
});

test('bad lines are refused with their line number and why', () => {
  const cases: [string, RegExp][] = [
    ['vm1 spice://h:1', /line 1: expected 'TOKEN: spice/],
    ['ok: spice://h:1\nvm1: http://h:1', /line 2: .*not a spice:\/\/ URI/],
    ['vm1: spice://h', /line 1: .*no port/],
    ['vm1: spice://h:1\nvm1: spice://h:2', /line 2: token 'vm1' appears twice/],
    ['v%m: spice://h:1', /line 1: 'v%m' is not a valid token/],
    ['vm1: spice://h:1 colour=blue', /line 1: unknown option 'colour'/],
    ['vm1: spice://h:1 max-sessions=0', /line 1: max-sessions must be a whole number/],
    ['vm1: spice://h:1 password', /line 1: 'password' is not key=value/],
    ['vm1: spice://h:1 ca-file=/ca.pem', /line 1: ca-file and host-subject need a TLS target/],
    [`vm1: spice://h:1 password=${'x'.repeat(61)}`, /line 1: the password is longer than SPICE allows/],
    ['\n\n# c\nvm1: spice://h:99999', /line 4: .*out of range/],
  ];
  for (const [text, want] of cases) {
    assert.throws(() => parseTokenFile(text, 'tokens.txt'), (e: unknown) => {
      assert.ok(isSpiceError(e) && e.code === ErrorCode.BAD_TARGET, `${text}: a BAD_TARGET SpiceError`);
      assert.match(e.message, want, text);
      assert.match(e.message, /^tokens\.txt/);
      return true;
    });
  }
});

test('a token file in use is reloaded on change; a bad version keeps the last good mapping and says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spice-ts-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tokens');
  writeFileSync(file, 'a: spice://h:1\n');
  const logs: string[] = [];
  const tf = new TokenFile(file, { log: (l) => logs.push(l), debounceMs: 50 });
  t.after(() => tf.close());
  assert.equal(tf.lookup('a')?.target.port, 1);
  assert.equal(tf.lookup('b'), undefined);

  // Changed: the next lookup sees it (a stat per lookup).
  writeFileSync(file, 'a: spice://h:1\nb: spice://h:2 password=pw\n');
  assert.equal(tf.lookup('b')?.password, 'pw');
  assert.equal(tf.size, 2);
  assert.match(logs.at(-1)!, /reloaded: 2 tokens/);

  // A bad version: refused as a whole, the previous mapping stays, the log says why.
  writeFileSync(file, 'a: spice://h:9\nb spice://h:2\nc: spice://h:3\n');
  assert.equal(tf.lookup('a')?.target.port, 1, 'the last good mapping is kept');
  assert.equal(tf.lookup('c'), undefined, 'nothing from the bad file is used');
  assert.match(tf.lastError!, /line 2/);
  assert.match(logs.at(-1)!, /not reloaded, keeping the previous 2 tokens: .*line 2/);
  const loads = tf.loads;

  // Fixed by replacing the file (as editors and `mv` do): the folder watch reloads it
  // without any lookup.
  writeFileSync(join(dir, 'tokens.new'), 'c: spice://h:3\n');
  renameSync(join(dir, 'tokens.new'), file);
  await waitUntil('the watch to reload the file', () => tf.loads > loads, { timeoutMs: 3000 });
  assert.equal(tf.lastError, undefined);
  assert.equal(tf.lookup('a'), undefined, 'a token removed from the file is gone');
  assert.equal(tf.lookup('c')?.target.port, 3);

  // Deleted: kept as it was, with the reason logged.
  rmSync(file);
  assert.equal(tf.lookup('c')?.target.port, 3);
  assert.match(tf.lastError!, /cannot read the token file/);
});

test('a bad token file at start is an error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spice-ts-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 't'), 'x: spice://h:1 what=1\n');
  assert.throws(() => new TokenFile(join(dir, 't'), { watch: false }), /line 1: unknown option 'what'/);
  assert.throws(() => new TokenFile(join(dir, 'missing'), { watch: false }), /cannot read the token file/);
});
