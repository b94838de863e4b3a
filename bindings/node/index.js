'use strict';
// pdqguard for Node.js: a thin layer over the N-API addon (addon.c), which calls the
// pdqguard C API. Hashing files and buffers returns Promises that run on the libuv
// thread pool; *Sync variants run on the calling thread.
const path = require('path');

const addon = require(process.env.PDQGUARD_NODE_ADDON
  ? path.resolve(process.env.PDQGUARD_NODE_ADDON) : path.join(__dirname, 'pdqguard.node'));

/** Every failure: `code` is the C API's status name ("decode_error", "io_error",
 *  "truncated_input", ...; "unknown_error" only for a number the library cannot
 *  name), `status` its number, `message` the library's explanation. */
class PdqguardError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PdqguardError';
  }
}
addon.setErrorClass(PdqguardError);

/** Hashes an image file (JPEG, PNG, PPM/PGM) on the thread pool.
 *  options: {dihedral: true} adds the 8 dihedral hashes. Resolves to
 *  {hash, quality, tooSmall, width, height[, dihedral]}. */
function hashFile(file, options) {
  try {
    return addon.hashFile(file, options, true);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Hashes an encoded image held in a Buffer/Uint8Array on the thread pool. Do not
 *  detach or transfer the buffer's memory until the Promise settles. */
function hashBytes(data, options) {
  try {
    return addon.hashBytes(data, options, true);
  } catch (e) {
    return Promise.reject(e);
  }
}

const hashFileSync = (file, options) => addon.hashFile(file, options, false);
const hashBytesSync = (data, options) => addon.hashBytes(data, options, false);

/** Hashes raw pixels: {data, width, height, format = "gray8", stride = 0 (packed)};
 *  formats as the C API names them (gray8, rgb8, rgba8, bgr8, bgra8, and the Y plane
 *  of i420/nv12). Synchronous. */
const hashFrame = (frame, options) => addon.hashFrame(frame, options);

/** Hamming distance 0..256 of two hex hashes. */
const distance = (a, b) => addon.distance(a, b);

/** Validates a hex hash, returning its canonical lowercase form. */
const parseHash = (hex) => addon.parseHash(hex);

/** The C API's name of a status number (pdqg_status_name): what `code` says. */
const statusName = (status) => addon.statusName(status);

/** A loaded blocklist. Queries are synchronous (microseconds); close() frees it now,
 *  and garbage collection frees an unclosed one. */
class Matcher {
  /** lists: hash list file paths; index: an index file path or null. */
  constructor(lists, index = null) {
    this._h = addon.matcherOpen(Array.isArray(lists) ? lists : [lists], index);
  }

  /** Matches a hash result (from hashFile & co.) or a hex hash (quality unknown).
   *  Returns {gate: "none"|"too_small"|"below_quality", matches: [{list, id, label,
   *  hash, distance, dihedral}]}, matches nearest first. */
  match(query) {
    return addon.matcherMatch(this._h, query);
  }

  /** Rereads the lists; on failure (thrown) the current list stays in use. */
  reload() {
    addon.matcherReload(this._h, false);
  }

  /** Rereads only if a file changed; returns whether it reloaded. */
  reloadIfChanged() {
    return addon.matcherReload(this._h, true);
  }

  /** Parameters by their C API names: threshold, min_quality, dihedral, max_matches,
   *  ... (and read-only entries, hashes, generation for get). */
  set(name, value) {
    addon.matcherSet(this._h, name, value);
  }

  get(name) {
    return addon.matcherGet(this._h, name);
  }

  /** {lower, upper, default} of a parameter, as the library defines them. */
  static bounds(name) {
    return addon.matcherBounds(name);
  }

  close() {
    addon.matcherClose(this._h);
  }
}

module.exports = {
  PdqguardError, Matcher, hashFile, hashBytes, hashBuffer: hashBytes, hashFileSync, hashBytesSync,
  hashFrame, distance, parseHash, statusName, version: addon.version,
};
