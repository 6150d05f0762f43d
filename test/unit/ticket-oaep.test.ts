/**
 * The ticket's RSAES-OAEP-SHA1 in plain TypeScript (protocol/crypto/oaep.ts), checked
 * against node:crypto: SHA-1 digests, tickets node:crypto decrypts, the seed's part, bad
 * keys. And the two ticket makers built on it: Node's (seed from /dev/urandom, no
 * OpenSSL loaded) and the browser's without WebCrypto.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { sha1, oaepSha1Encrypt, parseRsaSpki, OAEP_SEED_BYTES } from '../../src/protocol/crypto/oaep.js';
import { nodeTicketCrypto, oaepSeed } from '../../src/protocol/crypto/node-ticket.js';
import { fallbackTicketCrypto } from '../../src/viewer/ticket-fallback.js';
import { ErrorCode, isSpiceError } from '../../src/protocol/errors.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
const decrypt = (ticket: Uint8Array) =>
  privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ticket);

test('sha1 matches node:crypto', () => {
  for (const len of [0, 1, 55, 56, 63, 64, 65, 200]) {
    const data = Uint8Array.from({ length: len }, (_, i) => (i * 31 + 7) & 255);
    assert.equal(Buffer.from(sha1(data)).toString('hex'), createHash('sha1').update(data).digest('hex'), `length ${len}`);
  }
});

test('parseRsaSpki reads the modulus and exponent; broken keys are refused with a coded error', () => {
  assert.equal(spki.length, 162);
  const key = parseRsaSpki(spki);
  assert.equal(key.bytes, 128);
  assert.equal(key.e, 65537n);
  const broken = spki.slice();
  broken[8] ^= 0xff;
  for (const bad of [broken, spki.subarray(0, 40), new Uint8Array(0)]) {
    assert.throws(() => parseRsaSpki(bad), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.INCONSISTENT
      && /not a valid RSA SubjectPublicKeyInfo/.test(e.message));
  }
});

test('oaepSha1Encrypt: node:crypto decrypts it; the seed alone makes two tickets differ', () => {
  const seedA = new Uint8Array(OAEP_SEED_BYTES).fill(1);
  const seedB = new Uint8Array(OAEP_SEED_BYTES).fill(2);
  const msg = new TextEncoder().encode('secret\0');
  const a = oaepSha1Encrypt(spki, msg, seedA);
  assert.equal(a.length, 128);
  assert.equal(decrypt(a).toString('utf8'), 'secret\0');
  assert.deepEqual(oaepSha1Encrypt(spki, msg, seedA), a, 'the same seed gives the same ticket');
  const b = oaepSha1Encrypt(spki, msg, seedB);
  assert.notDeepEqual(b, a);
  assert.equal(decrypt(b).toString('utf8'), 'secret\0');
  assert.throws(() => oaepSha1Encrypt(spki, msg, new Uint8Array(19)), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.BAD_ARGUMENT);
  // 128 - 2 * 20 - 2 = 86 bytes at most under a 1024-bit key.
  assert.equal(decrypt(oaepSha1Encrypt(spki, new Uint8Array(86).fill(65), seedA)).length, 86);
  assert.throws(() => oaepSha1Encrypt(spki, new Uint8Array(87), seedA), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.PASSWORD_TOO_LONG);
});

for (const [name, maker] of [['Node', nodeTicketCrypto], ['browser without WebCrypto', fallbackTicketCrypto]] as const) {
  test(`${name} tickets: node:crypto decrypts them, fresh seed each time, too long refused`, async () => {
    for (const pw of ['', 'secret', 'ü'.repeat(20)]) {
      const ticket = await maker.encryptTicket(spki, pw);
      assert.equal(ticket.length, 128);
      assert.equal(decrypt(ticket).toString('utf8'), `${pw}\0`);
    }
    assert.notDeepEqual(await maker.encryptTicket(spki, 'x'), await maker.encryptTicket(spki, 'x'));
    await assert.rejects(maker.encryptTicket(spki, 'x'.repeat(61)), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.PASSWORD_TOO_LONG);
    await assert.rejects(maker.encryptTicket(spki.subarray(0, 40), 'x'), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.INCONSISTENT);
  });
}

test('oaepSeed gives 20 fresh bytes', async () => {
  const a = await oaepSeed();
  const b = await oaepSeed();
  assert.equal(a.length, OAEP_SEED_BYTES);
  assert.notDeepEqual(a, b);
});

test('a Node client encrypting a ticket does not load node:crypto (OpenSSL start-up costs a CLI run ~17 ms)', () => {
  const src = new URL('../../src/protocol/crypto/node-ticket.js', import.meta.url).href;
  const script = `
    const { nodeTicketCrypto } = await import(${JSON.stringify(src)});
    const spki = Buffer.from(${JSON.stringify(Buffer.from(spki).toString('base64'))}, 'base64');
    const t = await nodeTicketCrypto.encryptTicket(new Uint8Array(spki), 'pw');
    const loaded = process.moduleLoadList.filter((m) => /crypto/.test(m));
    console.log(JSON.stringify({ length: t.length, loaded }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.equal(out.length, 128);
  assert.deepEqual(out.loaded, [], `node:crypto modules loaded: ${out.loaded.join(', ')}`);
});
