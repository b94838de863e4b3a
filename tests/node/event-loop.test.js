'use strict';
// hashBytes/hashFile run on the libuv pool: while 100 JPEGs hash under Promise.all
// the event loop keeps running its timers, and the answers equal the synchronous
// ones. No timing bound is asserted (a loaded 2-core machine cannot promise one):
// the lateness figures come from bindings/node/bench/event-loop.js (bench/README.md).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const src = path.resolve(__dirname, '..', '..');
const pdqguard = require(path.join(src, 'bindings', 'node'));
const images = path.join(src, 'tests', 'data', 'images');

test('the event loop keeps running while JPEGs hash on the pool', async () => {
  const files = ['bridge-mods/aaa-orig.jpg', 'reg-test-input/dih/bridge-2-rotate-90.jpg',
    'misc-images/wee.jpg', 'reg-test-input/labelme-subset/q0746.jpg'].map((f) => path.join(images, f));
  const buffers = Array.from({ length: 100 }, (_, i) => fs.readFileSync(files[i % files.length]));
  const want = files.map((f) => pdqguard.hashFileSync(f).hash);
  let ticks = 0;
  let settled = 0;
  let ticksWhilePending = 0;
  const timer = setInterval(() => {
    ticks++;
    if (settled < buffers.length) ticksWhilePending++;
  }, 1);
  const results = await Promise.all(buffers.map((b) => pdqguard.hashBytes(b).then((r) => { settled++; return r; })));
  clearInterval(timer);
  results.forEach((r, i) => assert.strictEqual(r.hash, want[i % files.length]));
  // A blocked loop would run no timer until every hash was done.
  assert.ok(ticksWhilePending >= 3, `timer ran ${ticksWhilePending} times while hashing (${ticks} in all)`);
});
