'use strict';
// An upload check over Node's own `http` (no Express, no dependencies):
//   node upload-check.js list.csv [port]        (listens on 127.0.0.1)
//   curl --data-binary @photo.jpg http://127.0.0.1:8080/check
// POST /check with the image as the request body answers JSON
//   {"blocked":true,"gate":"none","hash":"f8f8...","quality":100,
//    "matches":[{"list":"list.csv","id":"bridge-1","label":"","distance":0}]}
// A gate other than "none" (too_small, below_quality) means the image cannot be
// judged. Errors answer {"error":"<C status name>","message":"..."}: 413 above the
// size limit (or image_too_large/file_too_large), 422 for what is not a decodable
// image, 405 for other methods, 404 for other paths, 500 otherwise. Hashing runs on
// the libuv thread pool (hashBytes), so the server keeps serving while it hashes.
const http = require('node:http');
const pdqguard = require('..');

const STATUS_OF = {
  image_too_large: 413, file_too_large: 413,
  unsupported_format: 422, decode_error: 422, truncated_input: 422,
};

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A request handler checking uploads of at most maxBytes against matcher. */
function uploadChecker(matcher, { maxBytes = 32 << 20 } = {}) {
  return (req, res) => {
    if (req.url !== '/check') return reply(res, 404, { error: 'not_found', message: req.url });
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed', message: 'POST an image' });
    const chunks = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBytes && !refused) {
        refused = true; // answer now and close the connection once the answer is out
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error: 'file_too_large', message: `more than ${maxBytes} bytes` }),
          () => req.destroy());
      }
      if (!refused) chunks.push(chunk);
    });
    req.on('end', async () => {
      if (refused) return;
      try {
        const r = await pdqguard.hashBytes(Buffer.concat(chunks));
        const { gate, matches } = matcher.match(r);
        reply(res, 200, {
          blocked: matches.length > 0, gate, hash: r.hash, quality: r.quality,
          matches: matches.map(({ list, id, label, distance }) => ({ list, id, label, distance })),
        });
      } catch (e) {
        const code = e instanceof pdqguard.PdqguardError ? e.code : 'internal_error';
        reply(res, STATUS_OF[code] || 500, { error: code, message: e.message });
      }
    });
  };
}

module.exports = { uploadChecker };

if (require.main === module) {
  const [list, port = '8080'] = process.argv.slice(2);
  const matcher = new pdqguard.Matcher([list]);
  http.createServer(uploadChecker(matcher)).listen(Number(port), '127.0.0.1', () =>
    console.log(`${matcher.get('entries')} entries; POST images to http://127.0.0.1:${port}/check`));
}
