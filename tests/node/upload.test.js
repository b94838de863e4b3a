'use strict';
// bindings/node/examples/upload-check.js: images posted over loopback HTTP are
// answered as the library decides (blocked, clean, not judged, errors by C name).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const src = path.resolve(__dirname, '..', '..');
const pdqguard = require(path.join(src, 'bindings', 'node'));
const { uploadChecker } = require(path.join(src, 'bindings', 'node', 'examples', 'upload-check.js'));
const images = path.join(src, 'tests', 'data', 'images');

// Resolves with the answer; a server that answers early and closes (413) may cut
// the upload short, so the answer counts as soon as its body has arrived.
function post(port, body, method = 'POST') {
  return new Promise((resolve, reject) => {
    let answer = null;
    const req = http.request({ host: '127.0.0.1', port, path: '/check', method }, (res) => {
      const chunks = [];
      const done = () => {
        try {
          answer = { status: res.statusCode, body: JSON.parse(Buffer.concat(chunks)) };
          resolve(answer);
        } catch (e) { /* the body is not complete yet */ }
      };
      res.on('data', (c) => { chunks.push(c); done(); });
      res.on('end', done);
      res.on('error', () => {});
    });
    req.on('error', (e) => { if (!answer) setTimeout(() => (answer ? null : reject(e)), 200); });
    req.end(body);
  });
}

test('upload check over http', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdqguard-upload-'));
  const list = path.join(dir, 'list.csv');
  fs.writeFileSync(list, 'id,hash\nbridge-1,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n');
  const matcher = new pdqguard.Matcher([list]);
  const server = http.createServer(uploadChecker(matcher, { maxBytes: 1 << 20 }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    const listed = fs.readFileSync(path.join(images, 'bridge-mods', 'aaa-orig.jpg'));
    let r = await post(port, listed);
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.body.blocked, true);
    assert.deepStrictEqual(r.body.matches, [{ list: 'list.csv', id: 'bridge-1', label: '', distance: 0 }]);
    r = await post(port, fs.readFileSync(path.join(images, 'reg-test-input', 'pen-and-coaster.png')));
    assert.deepStrictEqual([r.status, r.body.blocked, r.body.gate], [200, false, 'none']);
    r = await post(port, fs.readFileSync(path.join(images, 'reg-test-input', 'labelme-subset', 'q0003.jpg')));
    assert.deepStrictEqual([r.status, r.body.gate], [200, 'below_quality']);
    r = await post(port, Buffer.from('not an image'));
    assert.deepStrictEqual([r.status, r.body.error], [422, 'unsupported_format']);
    r = await post(port, listed.subarray(0, 300));
    assert.strictEqual(r.status, 422);
    r = await post(port, Buffer.alloc(2 << 20));
    assert.deepStrictEqual([r.status, r.body.error], [413, 'file_too_large']);
    r = await post(port, undefined, 'GET');
    assert.strictEqual(r.status, 405);
  } finally {
    server.close();
    matcher.close();
    fs.rmSync(dir, { recursive: true });
  }
});
