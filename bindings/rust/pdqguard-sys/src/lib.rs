//! Raw `extern "C"` declarations of the pdqguard C API, one for one with
//! `include/pdqguard/pdqguard.h` (read that header for each function's contract:
//! ownership, thread-safety, errors). Use the safe `pdqguard` crate instead
//! unless you need the C API itself. Linking: see build.rs.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_uint, c_void};

/// `pdqg_status` values.
pub const PDQG_OK: c_int = 0;
pub const PDQG_INVALID_ARGUMENT: c_int = 1;
pub const PDQG_IO_ERROR: c_int = 2;
pub const PDQG_UNSUPPORTED_FORMAT: c_int = 3;
pub const PDQG_DECODE_ERROR: c_int = 4;
pub const PDQG_IMAGE_TOO_LARGE: c_int = 5;
pub const PDQG_FILE_TOO_LARGE: c_int = 6;
pub const PDQG_BAD_HASH: c_int = 7;
pub const PDQG_LIST_PARSE_ERROR: c_int = 8;
pub const PDQG_INDEX_CORRUPT: c_int = 9;
pub const PDQG_UNSUPPORTED_ISA: c_int = 10;
pub const PDQG_OUT_OF_MEMORY: c_int = 11;
pub const PDQG_INTERNAL_ERROR: c_int = 12;
pub const PDQG_ENCRYPTED: c_int = 13;
pub const PDQG_ARCHIVE_LIMIT: c_int = 14;
pub const PDQG_NOT_A_FILE: c_int = 15;
pub const PDQG_NO_VIDEO_STREAM: c_int = 16;
pub const PDQG_BAD_FRAME_RATE: c_int = 17;
pub const PDQG_VIDEO_TOO_LONG: c_int = 18;
pub const PDQG_TRUNCATED_INPUT: c_int = 19;
pub const PDQG_RESOURCE_LIMIT: c_int = 20;

/// Characters in a hex hash, without the NUL.
pub const PDQG_HEX_LENGTH: usize = 64;

/// `pdqg_format` values.
pub const PDQG_FORMAT_GRAY8: c_int = 0;
pub const PDQG_FORMAT_RGB8: c_int = 1;
pub const PDQG_FORMAT_RGBA8: c_int = 2;
pub const PDQG_FORMAT_BGR8: c_int = 3;
pub const PDQG_FORMAT_BGRA8: c_int = 4;
pub const PDQG_FORMAT_I420: c_int = 5;
pub const PDQG_FORMAT_NV12: c_int = 6;

/// `pdqg_dihedral` values run 0 (original) to 7 (flipminus1).
pub const PDQG_DIHEDRAL_ORIGINAL: c_int = 0;

/// `PDQG_FLAG_DIHEDRAL`: also compute the 8 dihedral hashes.
pub const PDQG_FLAG_DIHEDRAL: c_uint = 1;

/// `pdqg_hasher_param` values.
pub const PDQG_HASHER_MAX_PIXELS: c_int = 0;
pub const PDQG_HASHER_MAX_BYTES: c_int = 1;
pub const PDQG_HASHER_FAST_JPEG: c_int = 2;
pub const PDQG_HASHER_EXIF_ORIENTATION: c_int = 3;
pub const PDQG_HASHER_MAX_DECODE_MEMORY: c_int = 4;
pub const PDQG_HASHER_MAX_DECODE_CPU_MS: c_int = 5;

/// `pdqg_index_kind` values.
pub const PDQG_INDEX_AUTO: c_int = 0;
pub const PDQG_INDEX_FLAT: c_int = 1;
pub const PDQG_INDEX_BKTREE: c_int = 2;
pub const PDQG_INDEX_MIH: c_int = 3;

/// `pdqg_matcher_param` values.
pub const PDQG_MATCHER_THRESHOLD: c_int = 0;
pub const PDQG_MATCHER_MIN_QUALITY: c_int = 1;
pub const PDQG_MATCHER_DIHEDRAL: c_int = 2;
pub const PDQG_MATCHER_INDEX_KIND: c_int = 3;
pub const PDQG_MATCHER_MAX_MATCHES: c_int = 4;
pub const PDQG_MATCHER_LENIENT: c_int = 5;
pub const PDQG_MATCHER_VERIFY_CHECKSUM: c_int = 6;
pub const PDQG_MATCHER_ENTRIES: c_int = 7;
pub const PDQG_MATCHER_HASHES: c_int = 8;
pub const PDQG_MATCHER_GENERATION: c_int = 9;
pub const PDQG_MATCHER_MAX_LIST_BYTES: c_int = 10;
pub const PDQG_MATCHER_MAX_LINE_BYTES: c_int = 11;
pub const PDQG_MATCHER_ALLOW_EMPTY: c_int = 12;
pub const PDQG_MATCHER_SETTLE_MS: c_int = 13;
pub const PDQG_MATCHER_MAX_SHRINK_PERCENT: c_int = 14;

/// `pdqg_gate` values.
pub const PDQG_GATE_NONE: c_int = 0;
pub const PDQG_GATE_TOO_SMALL: c_int = 1;
pub const PDQG_GATE_BELOW_QUALITY: c_int = 2;

/// `pdqg_hash`: 256 bits, bit k in `words[k / 64]` at bit `k % 64`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct pdqg_hash {
    pub words: [u64; 4],
}

/// `pdqg_frame`: a raw frame described by the caller.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct pdqg_frame {
    pub format: c_int,
    pub width: c_int,
    pub height: c_int,
    pub planes: [*const u8; 3],
    pub strides: [usize; 3],
    pub sizes: [usize; 3],
}

/// `pdqg_result`: the outcome of hashing one image.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct pdqg_result {
    pub hash: pdqg_hash,
    pub quality: c_int,
    pub too_small: c_int,
    pub width: c_int,
    pub height: c_int,
    pub has_dihedral: c_int,
    pub reserved_: c_int,
    pub dihedral: [pdqg_hash; 8],
}

/// `pdqg_match`: one matched list entry; the strings live in the array's block.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct pdqg_match {
    pub list: *const c_char,
    pub id: *const c_char,
    pub label: *const c_char,
    pub hash: pdqg_hash,
    pub distance: c_int,
    pub dihedral: c_int,
}

/// Opaque `pdqg_hasher`.
#[repr(C)]
pub struct pdqg_hasher {
    _private: [u8; 0],
}

/// Opaque `pdqg_matcher`.
#[repr(C)]
pub struct pdqg_matcher {
    _private: [u8; 0],
}

extern "C" {
    pub fn pdqg_version_number() -> c_uint;
    pub fn pdqg_version_string() -> *const c_char;
    pub fn pdqg_simd_path() -> *const c_char;
    pub fn pdqg_set_simd_path(name: *const c_char) -> c_int;
    pub fn pdqg_status_name(status: c_int) -> *const c_char;
    pub fn pdqg_last_error() -> *const c_char;
    pub fn pdqg_hash_to_hex(hash: *const pdqg_hash, out: *mut c_char) -> c_int;
    pub fn pdqg_hash_from_hex(hex: *const c_char, out: *mut pdqg_hash) -> c_int;
    pub fn pdqg_hash_distance(a: *const pdqg_hash, b: *const pdqg_hash) -> c_int;
    pub fn pdqg_format_name(format: c_int) -> *const c_char;
    pub fn pdqg_frame_plane_size(
        format: c_int,
        width: c_int,
        height: c_int,
        plane: c_int,
        row_bytes: *mut usize,
        rows: *mut usize,
    ) -> c_int;
    pub fn pdqg_frame_packed_size(format: c_int, width: c_int, height: c_int, bytes: *mut usize) -> c_int;
    pub fn pdqg_dihedral_name(dihedral: c_int) -> *const c_char;
    pub fn pdqg_hasher_create(out: *mut *mut pdqg_hasher) -> c_int;
    pub fn pdqg_hasher_free(hasher: *mut pdqg_hasher);
    pub fn pdqg_hasher_set(hasher: *mut pdqg_hasher, param: c_int, value: i64) -> c_int;
    pub fn pdqg_hasher_get(hasher: *const pdqg_hasher, param: c_int, value: *mut i64) -> c_int;
    pub fn pdqg_hasher_param_bounds(
        param: c_int,
        lower: *mut i64,
        upper: *mut i64,
        default_value: *mut i64,
    ) -> c_int;
    pub fn pdqg_hasher_error(hasher: *const pdqg_hasher) -> *const c_char;
    pub fn pdqg_hash_frame(
        hasher: *mut pdqg_hasher,
        frame: *const pdqg_frame,
        flags: c_uint,
        out: *mut pdqg_result,
    ) -> c_int;
    pub fn pdqg_hash_pixels(
        hasher: *mut pdqg_hasher,
        format: c_int,
        pixels: *const c_void,
        size: usize,
        width: c_int,
        height: c_int,
        stride: usize,
        flags: c_uint,
        out: *mut pdqg_result,
    ) -> c_int;
    pub fn pdqg_hash_buffer(
        hasher: *mut pdqg_hasher,
        data: *const c_void,
        size: usize,
        flags: c_uint,
        out: *mut pdqg_result,
    ) -> c_int;
    pub fn pdqg_hash_file(
        hasher: *mut pdqg_hasher,
        path: *const c_char,
        flags: c_uint,
        out: *mut pdqg_result,
    ) -> c_int;
    pub fn pdqg_matcher_create(out: *mut *mut pdqg_matcher) -> c_int;
    pub fn pdqg_matcher_free(matcher: *mut pdqg_matcher);
    pub fn pdqg_matcher_set(matcher: *mut pdqg_matcher, param: c_int, value: i64) -> c_int;
    pub fn pdqg_matcher_get(matcher: *const pdqg_matcher, param: c_int, value: *mut i64) -> c_int;
    pub fn pdqg_matcher_param_bounds(
        param: c_int,
        lower: *mut i64,
        upper: *mut i64,
        default_value: *mut i64,
    ) -> c_int;
    pub fn pdqg_matcher_param_name(param: c_int) -> *const c_char;
    pub fn pdqg_matcher_load(
        matcher: *mut pdqg_matcher,
        list_paths: *const *const c_char,
        n_lists: usize,
        index_path: *const c_char,
    ) -> c_int;
    pub fn pdqg_matcher_reload(matcher: *mut pdqg_matcher) -> c_int;
    pub fn pdqg_matcher_reload_if_changed(matcher: *mut pdqg_matcher, reloaded: *mut c_int) -> c_int;
    pub fn pdqg_matcher_open(
        list_paths: *const *const c_char,
        n_lists: usize,
        index_path: *const c_char,
        out: *mut *mut pdqg_matcher,
    ) -> c_int;
    pub fn pdqg_matcher_error(matcher: *const pdqg_matcher) -> *const c_char;
    pub fn pdqg_gate_name(gate: c_int) -> *const c_char;
    pub fn pdqg_matcher_query(
        matcher: *const pdqg_matcher,
        query: *const pdqg_result,
        matches: *mut *mut pdqg_match,
        count: *mut usize,
        gate: *mut c_int,
    ) -> c_int;
    pub fn pdqg_matcher_query_hash(
        matcher: *const pdqg_matcher,
        hash: *const pdqg_hash,
        quality: c_int,
        matches: *mut *mut pdqg_match,
        count: *mut usize,
    ) -> c_int;
    pub fn pdqg_matcher_query_result(
        matcher: *const pdqg_matcher,
        result: *const pdqg_result,
        matches: *mut *mut pdqg_match,
        count: *mut usize,
    ) -> c_int;
    pub fn pdqg_matcher_query_frame(
        matcher: *const pdqg_matcher,
        hasher: *mut pdqg_hasher,
        frame: *const pdqg_frame,
        result: *mut pdqg_result,
        matches: *mut *mut pdqg_match,
        count: *mut usize,
    ) -> c_int;
    pub fn pdqg_matches_free(matches: *mut pdqg_match);
}

#[cfg(test)]
mod tests {
    use super::*;

    // The layouts the header promises (a mismatch here would corrupt memory).
    #[test]
    fn struct_layouts_match_the_header() {
        assert_eq!(std::mem::size_of::<pdqg_hash>(), 32);
        assert_eq!(std::mem::size_of::<pdqg_result>(), 32 + 6 * 4 + 8 * 32);
        assert_eq!(std::mem::size_of::<pdqg_frame>(), 16 + 3 * 8 * 3);
        assert_eq!(std::mem::size_of::<pdqg_match>(), 3 * 8 + 32 + 8);
    }

    #[test]
    fn links_and_runs() {
        let v = unsafe { pdqg_version_number() };
        assert!(v >= 100, "version {}", v);
    }
}
