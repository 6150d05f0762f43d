/**
 * The viewer page's address parameters that become viewer options: `?video=` (preferred
 * video codecs first, the others after, unknown names ignored) and `?monitor=`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorNumber, videoCodecList } from '../../src/viewer/app.js';

test('?video= puts the asked codecs first and keeps the others as fallbacks', () => {
  assert.deepEqual(videoCodecList('vp8,h264'), { videoCodecs: ['vp8', 'h264', 'mjpeg', 'vp9', 'h265'] });
  assert.deepEqual(videoCodecList(' H264 , bogus,vp8,h264'), { videoCodecs: ['h264', 'vp8', 'mjpeg', 'vp9', 'h265'] });
  assert.deepEqual(videoCodecList('mjpeg'), { videoCodecs: ['mjpeg', 'vp8', 'h264', 'vp9', 'h265'] });
  assert.deepEqual(videoCodecList(null), {});
  assert.deepEqual(videoCodecList('bogus,,'), {}, 'nothing known: the server\'s own order');
});

test('?monitor= takes small non-negative integers only', () => {
  assert.equal(monitorNumber('1'), 1);
  assert.equal(monitorNumber('0'), 0);
  for (const bad of [null, '', '-1', '1.5', 'x', '12345']) assert.equal(monitorNumber(bad), undefined, String(bad));
});
