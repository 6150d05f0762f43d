#!/usr/bin/env node
// Prints the messages of a golden capture, connection by connection:
//   npm run build && node scripts/dump-golden.mjs qemu-all-remote-viewer [--bodies]
// Needs the compiled tree (dist/), which `npm ci` builds.
import { loadGolden } from '../dist/test/helpers/golden.js';
import { decodeMessage } from '../dist/src/protocol/messages.js';

const [name, ...flags] = process.argv.slice(2);
if (!name) { console.error('usage: dump-golden.mjs FIXTURE [--bodies]'); process.exit(2); }
const bodies = flags.includes('--bodies');
const show = (v) => JSON.stringify(v, (k, x) => (x instanceof Uint8Array ? `<${x.length} bytes>` : typeof x === 'bigint' ? x.toString() : x));
const s = loadGolden(name);
console.log(`${s.name}: ${s.description}`);
for (const c of s.connections) {
  console.log(`\n#${c.index} ${c.def.name}:${c.channelId} mini=${c.miniHeader} link=${c.linkResult ?? '-'}${c.truncated ? ' (truncated)' : ''}`);
  // Interleave by position is unknown (no timestamps): print server then client.
  for (const [dir, list] of [['S>C', c.server], ['C>S', c.client]]) {
    for (const m of list) {
      let text;
      try {
        const d = decodeMessage(c.def, dir === 'S>C' ? 'server' : 'client', m.type, m.body);
        text = bodies ? `${d.name} ${show(d.body).slice(0, 400)}` : d.name;
      } catch (e) { text = `type ${m.type}: ${e.message}`; }
      console.log(`  ${dir} @${m.offset} ${m.body.length}B ${text}`);
    }
  }
}
