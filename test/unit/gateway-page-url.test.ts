/**
 * The viewer page passes its `token` on to the WebSocket URL (how a page opened at
 * http://gateway/?token=abc tells the gateway which server it wants), and only then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { targetUrl } from '../../src/viewer/app.js';

const loc = (href: string) => {
  const u = new URL(href);
  return { href, search: u.search, protocol: u.protocol, host: u.host };
};

test('the page token goes on to the WebSocket URL', () => {
  assert.equal(targetUrl(loc('http://gw:8080/?token=abc')), 'ws://gw:8080/?token=abc');
  assert.equal(targetUrl(loc('https://gw/?scale=none&token=a-b.c~d')), 'wss://gw/?token=a-b.c%7Ed');
  assert.equal(targetUrl(loc('http://gw:8080/?token=a%20b%26c')), 'ws://gw:8080/?token=a+b%26c');
  // Without a token the URL is as before.
  assert.equal(targetUrl(loc('http://gw:8080/')), 'ws://gw:8080/');
  assert.equal(targetUrl(loc('http://gw:8080/?url=ws://other:1/')), 'ws://other:1/');
  // An explicit url= gets the token unless it has its own.
  assert.equal(targetUrl(loc('http://gw/?url=ws://other:1/spice&token=t1')), 'ws://other:1/spice?token=t1');
  assert.equal(targetUrl(loc('http://gw/?url=ws://other:1/%3Ftoken%3Dmine&token=t1')), 'ws://other:1/?token=mine');
});
