'use strict';
// The Node.js binding against the addon and library of this build (CTest sets
// PDQGUARD_NODE_ADDON and PDQGUARD_CORPUS_DIR: tests/data, or the shared corpus).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const src = path.resolve(__dirname, '..', '..');
const pdqguard = require(path.join(src, 'bindings', 'node'));
const corpus = process.env.PDQGUARD_CORPUS_DIR || path.join(src, 'tests', 'data');
const images = path.join(src, 'tests', 'data', 'images');
const BRIDGE = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const DIH = ['dih_original', 'dih_rot90', 'dih_rot180', 'dih_rot270', 'dih_flipx', 'dih_flipy',
  'dih_flipplus1', 'dih_flipminus1'];

function readCsv(file) {
  const split = (line) => {
    const out = []; let cur = ''; let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) { out.push(cur); cur = ''; } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const [head, ...lines] = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l);
  const keys = split(head);
  return lines.map((l) => Object.fromEntries(split(l).map((v, i) => [keys[i], v])));
}

function checkRow(row, r, what) {
  assert.strictEqual(r.hash, row.hash, `${what} ${row.relative_path}`);
  assert.strictEqual(String(r.quality), row.quality, `${what} ${row.relative_path}`);
  if (r.dihedral) DIH.forEach((col, i) => assert.strictEqual(r.dihedral[i], row[col], `${row.relative_path} ${col}`));
}

test('corpus files hash exactly (async, sync, bytes, dihedral)', async () => {
  const rows = readCsv(path.join(corpus, 'expected.csv'));
  assert.ok(rows.length >= 14);
  await Promise.all(rows.map(async (row) => {
    const file = path.join(corpus, 'images', row.relative_path);
    if (!row.hash && file.endsWith('.webp')) {
      // Decoded since issue 15 (their hashes are checked on corpus/formats).
      assert.strictEqual((await pdqguard.hashFile(file)).width, Number(row.width));
      return;
    }
    if (!row.hash) {
      await assert.rejects(pdqguard.hashFile(file), { code: 'unsupported_format' });
      return;
    }
    checkRow(row, await pdqguard.hashFile(file), 'async');
    checkRow(row, pdqguard.hashFileSync(file), 'sync');
    const bytes = fs.readFileSync(file);
    checkRow(row, await pdqguard.hashBytes(bytes), 'bytes');
    checkRow(row, pdqguard.hashBytesSync(new Uint8Array(bytes)), 'uint8array');
    const d = await pdqguard.hashFile(file, { dihedral: true });
    assert.strictEqual(d.dihedral.length, 8);
    checkRow(row, d, 'dihedral');
  }));
});

function readPnm(file) {
  const data = fs.readFileSync(file);
  const fields = []; let pos = 0;
  const ws = (c) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  while (fields.length < 4) {
    while (ws(data[pos])) pos++;
    if (data[pos] === 0x23) { pos = data.indexOf(0x0a, pos); continue; }
    const start = pos;
    while (!ws(data[pos])) pos++;
    fields.push(data.subarray(start, pos).toString());
  }
  assert.strictEqual(fields[3], '255');
  return { format: fields[0] === 'P6' ? 'rgb8' : 'gray8', width: +fields[1], height: +fields[2], data: data.subarray(pos + 1) };
}

test('corpus raw frames hash exactly', () => {
  const rows = readCsv(path.join(corpus, 'raw', 'expected.csv'));
  assert.ok(rows.length >= 30);
  for (const row of rows) {
    const frame = readPnm(path.join(corpus, 'raw', row.relative_path));
    checkRow(row, pdqguard.hashFrame(frame, { dihedral: true }), 'frame');
  }
});

test('frames: stride, formats, bounds checked, too small', () => {
  const w = 97; const h = 61;
  const pix = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) pix[i] = ((i % w) ** 2 + 3 * Math.floor(i / w) * (i % w) + 7 * Math.floor(i / w)) & 255;
  const base = pdqguard.hashFrame({ data: pix, width: w, height: h });
  assert.ok(base.quality >= 50);
  const stride = w + 13;
  const padded = Buffer.alloc(stride * (h - 1) + w);
  for (let y = 0; y < h; y++) pix.copy(padded, y * stride, y * w, (y + 1) * w);
  assert.strictEqual(pdqguard.hashFrame({ data: padded, width: w, height: h, stride }).hash, base.hash);
  assert.strictEqual(pdqguard.hashFrame({ data: pix, width: w, height: h, format: 'i420' }).hash, base.hash);
  assert.throws(() => pdqguard.hashFrame({ data: pix.subarray(1), width: w, height: h }),
    { code: 'invalid_argument', name: 'PdqguardError' });
  assert.throws(() => pdqguard.hashFrame({ data: pix, width: w, height: h, format: 'yuv9' }), { code: 'invalid_argument' });
  const tiny = pdqguard.hashFrame({ data: Buffer.alloc(16), width: 4, height: 4 });
  assert.ok(tiny.tooSmall && tiny.quality === 0);
});

test('hashes: parse, distance, errors with code', async () => {
  assert.strictEqual(pdqguard.parseHash(BRIDGE.toUpperCase()), BRIDGE);
  assert.strictEqual(pdqguard.distance(BRIDGE, 'd0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22'), 16);
  for (const bad of ['', BRIDGE.slice(1), 'z'.repeat(64)]) {
    assert.throws(() => pdqguard.parseHash(bad), (e) => e instanceof pdqguard.PdqguardError &&
      e instanceof Error && e.code === 'bad_hash' && e.status === 7 && /bad_hash: ./.test(e.message));
  }
  await assert.rejects(pdqguard.hashFile(path.join(images, 'missing.jpg')), { code: 'io_error', status: 2 });
  const jpeg = fs.readFileSync(path.join(images, 'bridge-mods', 'aaa-orig.jpg'));
  await assert.rejects(pdqguard.hashBytes(jpeg.subarray(0, 300)), { code: 'decode_error' });
  await assert.rejects(pdqguard.hashBuffer(Buffer.from('plain text')), { code: 'unsupported_format' });
  await assert.rejects(pdqguard.hashBytes('not a buffer'), { code: 'invalid_argument' });
  assert.throws(() => pdqguard.hashFileSync(path.join(images, 'missing.jpg')), { code: 'io_error' });
});

test('matcher: match, gate, dihedral, reload, close', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdqguard-node-'));
  const list = path.join(dir, 'list.csv');
  fs.writeFileSync(list, `id,hash,label\nbridge-1,${BRIDGE},the bridge\n`);
  const m = new pdqguard.Matcher([list]);
  assert.strictEqual(m.get('threshold'), pdqguard.Matcher.bounds('threshold').default);
  const r = await pdqguard.hashFile(path.join(images, 'bridge-mods', 'aaa-orig.jpg'));
  let out = m.match(r);
  assert.strictEqual(out.gate, 'none');
  assert.deepStrictEqual(out.matches, [{ list: 'list.csv', id: 'bridge-1', label: 'the bridge', hash: BRIDGE, distance: 0, dihedral: 'original' }]);
  const rot = await pdqguard.hashFile(path.join(images, 'reg-test-input', 'dih', 'bridge-2-rotate-90.jpg'), { dihedral: true });
  assert.strictEqual(m.match(rot).matches.length, 0);
  m.set('dihedral', 1);
  out = m.match(rot);
  assert.strictEqual(out.matches.length, 1);
  assert.notStrictEqual(out.matches[0].dihedral, 'original');
  const flat = pdqguard.hashFileSync(path.join(images, 'reg-test-input', 'labelme-subset', 'q0003.jpg'));
  assert.strictEqual(m.match(flat).gate, 'below_quality');
  assert.strictEqual(m.match({ ...flat, tooSmall: true }).gate, 'too_small');
  assert.strictEqual(m.match(r.hash).matches.length, 1); // a bare hash: quality unknown
  fs.writeFileSync(list, `id,hash,label\nother,${flat.hash},\n`);
  m.reload();
  assert.strictEqual(m.match(r.hash).matches.length, 0);
  assert.strictEqual(m.get('generation'), 2);
  fs.writeFileSync(list, 'id,hash,label\nbroken,not-a-hash,\n');
  assert.throws(() => m.reload(), { code: 'list_parse_error' });
  assert.strictEqual(m.match(flat.hash).matches.length, 1);
  assert.throws(() => m.set('threshold', 257), { code: 'invalid_argument' });
  assert.throws(() => m.set('no_such_param', 1), { code: 'invalid_argument' });
  m.close();
  m.close();
  assert.throws(() => m.match(r.hash), { code: 'invalid_argument' });
  assert.throws(() => new pdqguard.Matcher([path.join(dir, 'missing.csv')]), { code: 'io_error' });
  fs.rmSync(dir, { recursive: true });
});

test('README example runs as written', () => {
  const readme = fs.readFileSync(path.join(src, 'bindings', 'node', 'README.md'), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)[1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdqguard-readme-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(src, 'bindings', 'node'), path.join(dir, 'node_modules', 'pdqguard'));
  fs.writeFileSync(path.join(dir, 'check.js'), code);
  const files = [path.join(images, 'bridge-mods', 'aaa-orig.jpg'), path.join(images, 'reg-test-input', 'pen-and-coaster.png'),
    path.join(images, 'reg-test-input', 'labelme-subset', 'q0003.jpg'), path.join(images, 'missing.jpg')];
  const out = execFileSync(process.execPath, ['check.js', path.join(src, 'examples', 'c', 'example-list.csv'), ...files],
    { cwd: dir, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true });
  assert.strictEqual(out, `${files[0]} blocked by bridge-1 at distance 0\n${files[1]} clean\n` +
    `${files[2]} not judged: below_quality\n${files[3]} error: io_error\n`);
});

test('every C status maps to its code; an unknown one keeps its number', () => {
  const dts = fs.readFileSync(path.join(src, 'bindings', 'node', 'index.d.ts'), 'utf8');
  const declared = /type StatusCode =([^;]*);/.exec(dts)[1].match(/'[a-z_]+'/g).map((s) => s.slice(1, -1));
  const names = [];
  for (let n = 1; pdqguard.statusName(n) !== 'unknown_error'; n++) names.push(pdqguard.statusName(n));
  assert.ok(names.length >= 19 && names[18] === 'truncated_input', names.join());
  assert.deepStrictEqual(declared, names); // index.d.ts lists exactly the library's names, in order
  const addon = require(process.env.PDQGUARD_NODE_ADDON);
  names.forEach((name, i) => {
    assert.throws(() => addon.throwStatusForTest(i + 1, 'why'), (e) =>
      e instanceof pdqguard.PdqguardError && e.code === name && e.status === i + 1 && e.message === `${name}: why`);
  });
  assert.throws(() => addon.throwStatusForTest(9999, 'newer'), (e) =>
    e instanceof pdqguard.PdqguardError && e.code === 'unknown_error' && e.status === 9999 &&
    e.message === 'unknown_error 9999: newer');
});
