/**
 * The viewer's decoding worker, with the worker played in-process by the real
 * decode service behind structuredClone (so transfers detach like in a
 * browser): images from real sessions (QUIC, LZ, GLZ incl. its dictionary)
 * decode to exactly what the page's own decoders give; small stateless images
 * stay on the page; a worker that does not start leaves the session on page
 * decoders; a worker that dies or a corrupt image gives coded errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageType } from '../../src/protocol/enums/index.js';
import { ErrorCode, isSpiceError } from '../../src/protocol/errors.js';
import { defaultDecoders } from '../../src/codecs/index.js';
import type { DecodedImage } from '../../src/codecs/types.js';
import { decodeService } from '../../src/viewer/decode-service.js';
import type { DecodeReply } from '../../src/viewer/decode-protocol.js';
import { sessionDecoders, type WorkerLike } from '../../src/viewer/worker-decoders.js';
import { displayImages, loadGolden } from '../helpers/golden.js';

/** A worker whose other side is the decode service, messages crossing by structuredClone with transfer. */
function fakeWorker(o: { ready?: boolean; onPost?: (m: { kind: string }) => void } = {}) {
  const stats = { posted: 0, transferredDetached: 0, terminated: false };
  const w: WorkerLike = {
    onmessage: null,
    onerror: null,
    postMessage(m: unknown, transfer?: Transferable[]) {
      stats.posted++;
      const copy = structuredClone(m, { transfer: transfer as ArrayBuffer[] });
      if (transfer?.every((b) => (b as ArrayBuffer).byteLength === 0)) stats.transferredDetached++;
      o.onPost?.(copy as { kind: string });
      if ((copy as { kind: string }).kind === 'init' && o.ready === false) return;
      setTimeout(() => service(copy as never), 0);
    },
    terminate() { stats.terminated = true; },
  };
  const service = decodeService((reply: DecodeReply, transfer?: Transferable[]) => {
    const back = structuredClone(reply, { transfer: transfer as ArrayBuffer[] });
    setTimeout(() => w.onmessage?.({ data: back }), 0);
  });
  return { w, stats };
}

function same(a: DecodedImage, b: DecodedImage, label: string) {
  assert.equal(a.width, b.width, label);
  assert.equal(a.height, b.height, label);
  assert.equal(a.format, b.format, label);
  assert.ok(Buffer.from(a.pixels.buffer, a.pixels.byteOffset, a.pixels.byteLength)
    .equals(Buffer.from(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength)), `${label}: pixels differ`);
}

test('images of real sessions decode in the worker exactly as on the page (QUIC, LZ, GLZ with its dictionary)', async () => {
  for (const [fixture, type, field] of [
    ['xspice-quic', ImageType.QUIC, 'quic'],
    ['xspice-lz', ImageType.LZ_RGB, 'lz_rgb'],
    ['xspice-glz', ImageType.GLZ_RGB, 'lz_rgb'],
  ] as const) {
    const images = [...displayImages(loadGolden(fixture))].filter((i) => i.descriptor.type === type);
    assert.ok(images.length > 3, `${fixture} has ${type} images`);
    const { w, stats } = fakeWorker();
    const viaWorker = await sessionDecoders({ url: 'x', glzWindowPixels: 1 << 24, create: () => w, inlineBelowPixels: 0 });
    assert.equal(viaWorker.where, 'worker');
    const onPage = defaultDecoders({ glzWindowPixels: 1 << 24 });
    for (const [n, img] of images.entries()) {
      const data: Uint8Array = img[field].data;
      const before = Uint8Array.from(data);
      const op = type === ImageType.QUIC ? 'quic' : type === ImageType.GLZ_RGB ? 'glz' : 'lz';
      const theirs = await onPage[op](data);
      const ours = await viaWorker[op]!(data);
      same(ours, theirs, `${fixture} image ${n}`);
      assert.deepEqual(data, before, 'the caller\'s bytes are copied, not taken');
    }
    assert.equal(viaWorker.decodedInWorker, images.length);
    assert.ok(stats.transferredDetached >= images.length, 'the copies were transferred');
    viaWorker.dispose();
    assert.equal(stats.terminated, true);
  }
});

test('small QUIC/LZ images stay on the page; GLZ always goes to the worker', async () => {
  const quic = [...displayImages(loadGolden('xspice-quic'))].filter((i) => i.descriptor.type === ImageType.QUIC);
  const small = quic.find((i) => i.descriptor.width * i.descriptor.height < 4096);
  const large = quic.find((i) => i.descriptor.width * i.descriptor.height >= 4096);
  assert.ok(small && large, 'the fixture has small and large QUIC images');
  const { w } = fakeWorker();
  const d = await sessionDecoders({ url: 'x', glzWindowPixels: 1 << 24, create: () => w });
  const r = d.quic!(small.quic.data);
  assert.equal(typeof (r as Promise<unknown>).then, 'undefined', 'a small image is decoded at once, on the page');
  assert.equal(d.decodedInWorker, 0);
  await d.quic!(large.quic.data);
  assert.equal(d.decodedInWorker, 1);
  const glz = [...displayImages(loadGolden('xspice-glz'))].find((i) => i.descriptor.type === ImageType.GLZ_RGB)!;
  await d.glz!(glz.lz_rgb.data);
  assert.equal(d.decodedInWorker, 2);
  d.dispose();
});

test('a worker that cannot start leaves the session decoding on the page', async () => {
  const quic = [...displayImages(loadGolden('xspice-quic'))].find((i) => i.descriptor.type === ImageType.QUIC)!;
  const expected = defaultDecoders().quic(quic.quic.data) as DecodedImage;
  const silent = fakeWorker({ ready: false });
  const cases = [
    await sessionDecoders({ url: 'x', glzWindowPixels: 1 << 20, create: () => { throw new Error('CSP says no'); } }),
    await sessionDecoders({ url: 'x', glzWindowPixels: 1 << 20, create: () => silent.w, startTimeoutMs: 50 }),
  ];
  assert.equal(silent.stats.terminated, true, 'a worker that never answered is stopped');
  for (const d of cases) {
    assert.equal(d.where, 'page');
    same(await d.quic!(quic.quic.data), expected, 'page fallback');
  }
});

test('a corrupt image is a coded error from the worker; a dead worker fails what is pending and what comes later', async () => {
  const { w } = fakeWorker();
  const d = await sessionDecoders({ url: 'x', glzWindowPixels: 1 << 20, create: () => w, inlineBelowPixels: 0 });
  const bad = new Uint8Array(64);
  new DataView(bad.buffer).setUint32(0, 0x51554943, true); // "QUIC", then nonsense
  await assert.rejects(Promise.resolve(d.quic!(bad)), (e: unknown) => isSpiceError(e) && e.code === ErrorCode.CORRUPT_IMAGE);

  const quic = [...displayImages(loadGolden('xspice-quic'))].find((i) => i.descriptor.type === ImageType.QUIC)!;
  const pending = Promise.resolve(d.quic!(quic.quic.data));
  w.onerror?.(new Error('boom'));
  await assert.rejects(pending, (e: unknown) => isSpiceError(e) && /worker failed/.test(e.message));
  await assert.rejects(Promise.resolve(d.glz!(new Uint8Array(10))), (e: unknown) => isSpiceError(e) && /worker failed/.test(e.message));

  const other = fakeWorker();
  const d2 = await sessionDecoders({ url: 'x', glzWindowPixels: 1 << 20, create: () => other.w, inlineBelowPixels: 0 });
  const waiting = Promise.resolve(d2.quic!(quic.quic.data));
  d2.dispose();
  await assert.rejects(waiting, (e: unknown) => isSpiceError(e) && e.code === ErrorCode.CLOSED);
});
