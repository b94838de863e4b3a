'use strict';
// Event-loop responsiveness while Node hashes many JPEGs (issue #19's target: with
// Promise.all over 1,000 JPEGs a 1 ms interval timer never fires more than 20 ms
// late). Not run by the tests (tests/node/event-loop.test.js checks only that the
// loop keeps running); figures in bench/README.md.
//   PDQGUARD_NODE_ADDON=build/bindings/node/pdqguard.node \
//     node bindings/node/bench/event-loop.js [count=1000] [dir of JPEGs=tests/data/images]
// The JPEGs of the directory (recursively) are repeated up to `count`. Prints, for
// an idle loop (the machine's own noise) and for hashBytes / hashFile of them all at
// once: the wall time, the timer's ticks, and how late it fired (max, p99, ticks
// later than 20 ms). Thread-pool size: UV_THREADPOOL_SIZE (libuv's default is 4).
const fs = require('node:fs');
const path = require('node:path');
const pdqguard = require('..');

const count = Number(process.argv[2] || 1000);
const dir = process.argv[3] || path.join(__dirname, '..', '..', '..', 'tests', 'data', 'images');

function jpegs(d) {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) return jpegs(p);
    return /\.jpe?g$/i.test(e.name) ? [p] : [];
  });
}

/** Runs `work` (a Promise factory) under a 1 ms interval timer; lateness per tick. */
async function underTimer(work) {
  const late = [];
  let last = process.hrtime.bigint();
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    late.push(Number(now - last) / 1e6 - 1);
    last = now;
  }, 1);
  const t0 = process.hrtime.bigint();
  await work();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(timer);
  late.sort((a, b) => a - b);
  const p99 = late.length ? late[Math.min(late.length - 1, Math.floor(late.length * 0.99))] : NaN;
  return { wall, ticks: late.length, max: late.length ? late[late.length - 1] : NaN, p99,
    over20: late.filter((x) => x > 20).length };
}

function show(name, r) {
  console.log(`${name.padEnd(26)} wall ${r.wall.toFixed(0).padStart(6)} ms  ticks ${String(r.ticks).padStart(6)}  ` +
    `late max ${r.max.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  >20 ms: ${r.over20}`);
}

async function main() {
  const files = jpegs(dir);
  if (!files.length) throw new Error(`no JPEGs under ${dir}`);
  const paths = Array.from({ length: count }, (_, i) => files[i % files.length]);
  const buffers = paths.map((p) => fs.readFileSync(p));
  const mb = buffers.reduce((s, b) => s + b.length, 0) / 1e6;
  console.log(`${count} JPEGs (${files.length} distinct from ${dir}, ${mb.toFixed(1)} MB), ` +
    `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE || 4}, load average ${require('node:os').loadavg()[0].toFixed(1)}`);
  show('idle loop (2 s)', await underTimer(() => new Promise((r) => setTimeout(r, 2000))));
  show('Promise.all(hashBytes)', await underTimer(() => Promise.all(buffers.map((b) => pdqguard.hashBytes(b)))));
  show('Promise.all(hashFile)', await underTimer(() => Promise.all(paths.map((p) => pdqguard.hashFile(p)))));
  const sync = await underTimer(async () => { for (const b of buffers.slice(0, 50)) pdqguard.hashBytesSync(b); });
  show('50 x hashBytesSync (ref.)', sync);
}

main().catch((e) => { console.error(e); process.exit(1); });
