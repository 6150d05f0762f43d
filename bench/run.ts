/**
 * npm run bench: every bench in this folder, one after the other, each
 * printing its figures next to a reference measured in the same run
 * (memcpy, or the reference implementation on the same input).
 *
 *   npm run bench                 all of them
 *   npm run bench -- quic lz      only those whose name matches
 */
type Bench = { name: string; load: () => Promise<{ default: () => Promise<void> }> };

const benches: Bench[] = [
  { name: 'protocol', load: () => import('./protocol.js') },
  { name: 'quic', load: () => import('./quic.js') },
  { name: 'lz', load: () => import('./lz.js') },
  { name: 'jpeg', load: () => import('./jpeg.js') },
  { name: 'screenshot', load: () => import('./screenshot.js') },
  { name: 'quic-encode', load: () => import('./quic-encode.js') },
  { name: 'lz-encode', load: () => import('./lz-encode.js') },
  { name: 'lz4-encode', load: () => import('./lz4-encode.js') },
  { name: 'jpeg-encode', load: () => import('./jpeg-encode.js') },
  { name: 'x11-capture', load: () => import('./x11-capture.js') },
  { name: 'server-x11', load: () => import('./server-x11.js') },
  { name: 'viewer-html5', load: () => import('./viewer-html5.js') },
];

const only = process.argv.slice(2);
for (const b of benches) {
  if (only.length && !only.some((o) => b.name.includes(o))) continue;
  console.log(`\n=== ${b.name} ===`);
  await (await b.load()).default();
}
