/**
 * What the WebCodecs stream decoder reads from each frame before decoding it (key frame,
 * shown, codec string), on the first bytes of frames GStreamer's encoders made with
 * spice-server's settings (vp8enc, vp9enc, x264enc byte-stream=true aud=true), a VP9
 * superframe, an H.265 SPS with emulation prevention bytes, and broken input (coded errors).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoCodecType } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { annexBUnits, frameFacts, h264Facts, h265Facts, vp8Facts, vp9Facts } from '../../src/viewer/video-bitstream.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const corrupt = (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE;

test('VP8: key frames (with their start code), delta frames, hidden frames', () => {
  // vp8enc, 480x360: a key frame, then a delta frame.
  assert.deepEqual(vp8Facts(hex('3031009d012ae00168013901')), { key: true, shown: true, codec: 'vp8' });
  assert.deepEqual(vp8Facts(hex('d10900e5')), { key: false, shown: true, codec: undefined });
  // The same delta frame with show_frame cleared.
  assert.equal(vp8Facts(hex('c10900e5')).shown, false);
  assert.throws(() => vp8Facts(hex('3031009d012b e00168013901')), corrupt, 'a key frame without 9d 01 2a');
  assert.throws(() => vp8Facts(hex('3031')), corrupt);
});

test('VP9: profile and bit depth of key frames, delta frames, show_existing_frame, superframes', () => {
  // vp9enc from I420 (profile 0), then from the 12-bit 4:4:4 GStreamer negotiates by itself (profile 3).
  assert.deepEqual(vp9Facts(hex('82498342 2009f00776063824')), { key: true, shown: true, codec: 'vp09.00.10.08' });
  assert.deepEqual(vp9Facts(hex('86004092')), { key: false, shown: true });
  assert.deepEqual(vp9Facts(hex('b1a4c1a1 4800ef80b380c704')), { key: true, shown: true, codec: 'vp09.03.10.12' });
  // show_existing_frame: shows a picture without decoding one.
  assert.deepEqual(vp9Facts(hex('88')), { key: false, shown: true });
  // A superframe: a hidden key frame (show_frame 0) and a shown inter frame, index 0xc1 [sizes 1 byte each] 0xc1.
  const hiddenKey = hex('80 498342 2009f0077606');
  const shownInter = hex('86004092');
  const index = Uint8Array.of(0xc1, hiddenKey.length, shownInter.length, 0xc1);
  const sf = new Uint8Array([...hiddenKey, ...shownInter, ...index]);
  assert.deepEqual(vp9Facts(sf), { key: true, shown: true, codec: 'vp09.00.10.08' });
  assert.equal(vp9Facts(hiddenKey).shown, false);
  // An index whose sizes run past the data.
  const bad = new Uint8Array([...hiddenKey, ...shownInter, 0xc1, 200, 4, 0xc1]);
  assert.throws(() => vp9Facts(bad), corrupt);
  assert.throws(() => vp9Facts(hex('42')), corrupt, 'bad frame marker');
  assert.throws(() => vp9Facts(hex('82498343 20')), corrupt, 'bad sync code');
});

test('H.264 Annex B: start codes, IDR = key frame, the codec string from the SPS', () => {
  // x264enc byte-stream=true aud=true: AUD, SPS (High 4:4:4 Predictive, level 3.0), PPS, IDR slice.
  const idr = hex('00000001 0910 00000001 67f4001e90d89a0782ff89c05a83 00000001 68ce3192 00000165 888207d1');
  assert.deepEqual(annexBUnits(idr).map(([s, e]) => (idr[s]! & 0x1f) + ':' + (e - s)), ['9:2', '7:14', '8:4', '5:5']);
  assert.deepEqual(h264Facts(idr), { key: true, shown: true, codec: 'avc1.f4001e' });
  // The next access unit: AUD and a non-IDR slice.
  assert.deepEqual(h264Facts(hex('00000001 0930 000001 419a100850')), { key: false, shown: true, codec: undefined });
  // Parameter sets alone show nothing.
  assert.deepEqual(h264Facts(hex('00000001 67640028ac 00000001 68ee3c80')).shown, false);
  assert.throws(() => h264Facts(hex('419a100850')), corrupt, 'no start code');
  assert.throws(() => h264Facts(hex('000001 67 64')), corrupt, 'a truncated SPS');
});

test('H.265 Annex B: IRAP = key frame; the ISO/IEC 14496-15 codec string from an SPS with emulation prevention bytes', () => {
  // VPS, SPS (Main, level 3.1, progressive/non-packed/frame-only constraint flags), PPS, IDR_W_RADL slice.
  const sps = '4201 01 01 60000003 00 b0000003 000003 00 5d a003c08010e5';
  const au = hex(`00000001 40010c01ffff 00000001 ${sps} 00000001 4401c172b46240 00000001 2601af0a`);
  assert.deepEqual(h265Facts(au), { key: true, shown: true, codec: 'hev1.1.6.L93.B0' });
  // Main 10, high tier, level 5.1: 'hev1.2.4.H153.B0'.
  const main10 = hex(`00000001 4201 01 22 20000003 00 b0000003 000003 00 99 a0`);
  assert.equal(h265Facts(new Uint8Array([...main10, ...hex('00000001 2601af')])).codec, 'hev1.2.4.H153.B0');
  // A trailing picture (TRAIL_R, type 1) is not a key frame.
  assert.deepEqual(h265Facts(hex('00000001 0201d0')), { key: false, shown: true, codec: undefined });
  assert.throws(() => h265Facts(hex('00000001 4201 01')), corrupt, 'a truncated SPS');
});

test('frameFacts dispatches by codec; MJPEG has no reader here', () => {
  assert.equal(frameFacts(VideoCodecType.VP8, hex('3031009d012ae00168013901')).key, true);
  assert.equal(frameFacts(VideoCodecType.H264, hex('000001 0930')).key, false);
  assert.throws(() => frameFacts(VideoCodecType.MJPEG, hex('ffd8')), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.UNSUPPORTED);
});
