'use strict';
// Per-call cost of the binding (not run by the tests; figures in bench/README.md):
//   PDQGUARD_NODE_ADDON=build/bindings/node/pdqguard.node node bindings/node/bench/overhead.js
// hashFrame (synchronous) on a 512x512 gray frame in memory, and on a 4x4 one, which the
// library answers at once (too small), so its time is almost all call overhead.
const pdqguard = require('..');

function perCall(w, h, calls) {
  const data = Buffer.alloc(w * h);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + Math.floor(i / w)) & 255;
  const frame = { data, width: w, height: h, format: 'gray8' };
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) pdqguard.hashFrame(frame);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e3 / calls);
  }
  return best;
}

console.log(`gray8 512x512: ${perCall(512, 512, 2000).toFixed(1)} us per call`);
console.log(`gray8 4x4:     ${perCall(4, 4, 200000).toFixed(3)} us per call`);
