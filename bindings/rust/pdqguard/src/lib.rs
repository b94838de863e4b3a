//! PDQ perceptual hashes of images and raw frames, and matching against hash
//! blocklists: a safe binding over the pdqguard C API (`pdqguard.h`). Every
//! rule — hex text, distances, frame geometry, parameter defaults and bounds,
//! the quality gate — is the C library's, so answers equal the CLI's and the
//! other bindings'.
//!
//! ```
//! let list = std::env::temp_dir().join("pdqguard-doc-list.csv");
//! std::fs::write(&list, "id,hash\nbridge-1,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n")?;
//! let matcher = pdqguard::Matcher::open(&[&list], None)?;
//! let r = pdqguard::hash_file("../../../tests/data/images/bridge-mods/shrink-a-lot.jpg")?;
//! let (matches, gate) = matcher.query(&r)?;
//! assert_eq!(gate, pdqguard::Gate::None);
//! assert_eq!((matches[0].id.as_str(), matches[0].distance), ("bridge-1", 16));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use pdqguard_sys as sys;

// The README's example runs as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::{c_char, c_int};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr;
use std::str::FromStr;

/// A C status code (`pdqg_status`), with the C API's numbers and names.
/// Non-exhaustive: newer libraries append statuses; one this binding does not
/// list arrives as `Other(number)`, named by the library (`name()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    InvalidArgument,
    IoError,
    UnsupportedFormat,
    DecodeError,
    ImageTooLarge,
    FileTooLarge,
    BadHash,
    ListParseError,
    IndexCorrupt,
    UnsupportedIsa,
    OutOfMemory,
    InternalError,
    Encrypted,
    ArchiveLimit,
    NotAFile,
    NoVideoStream,
    BadFrameRate,
    VideoTooLong,
    TruncatedInput,
    ResourceLimit,
    /// A number this binding does not know (a newer library).
    Other(i32),
}

/// Each known status with its C number: the one table `Status::from_c` and
/// `Status::code` read (a new C status needs a variant and a line here).
const STATUSES: &[(Status, c_int)] = &[
    (Status::InvalidArgument, sys::PDQG_INVALID_ARGUMENT),
    (Status::IoError, sys::PDQG_IO_ERROR),
    (Status::UnsupportedFormat, sys::PDQG_UNSUPPORTED_FORMAT),
    (Status::DecodeError, sys::PDQG_DECODE_ERROR),
    (Status::ImageTooLarge, sys::PDQG_IMAGE_TOO_LARGE),
    (Status::FileTooLarge, sys::PDQG_FILE_TOO_LARGE),
    (Status::BadHash, sys::PDQG_BAD_HASH),
    (Status::ListParseError, sys::PDQG_LIST_PARSE_ERROR),
    (Status::IndexCorrupt, sys::PDQG_INDEX_CORRUPT),
    (Status::UnsupportedIsa, sys::PDQG_UNSUPPORTED_ISA),
    (Status::OutOfMemory, sys::PDQG_OUT_OF_MEMORY),
    (Status::InternalError, sys::PDQG_INTERNAL_ERROR),
    (Status::Encrypted, sys::PDQG_ENCRYPTED),
    (Status::ArchiveLimit, sys::PDQG_ARCHIVE_LIMIT),
    (Status::NotAFile, sys::PDQG_NOT_A_FILE),
    (Status::NoVideoStream, sys::PDQG_NO_VIDEO_STREAM),
    (Status::BadFrameRate, sys::PDQG_BAD_FRAME_RATE),
    (Status::VideoTooLong, sys::PDQG_VIDEO_TOO_LONG),
    (Status::TruncatedInput, sys::PDQG_TRUNCATED_INPUT),
    (Status::ResourceLimit, sys::PDQG_RESOURCE_LIMIT),
];

impl Status {
    /// The Status of a C status number (`Other(n)` for one this binding does not list).
    pub fn from_c(st: c_int) -> Status {
        STATUSES.iter().find(|(_, n)| *n == st).map_or(Status::Other(st), |(s, _)| *s)
    }

    /// The C status number.
    pub fn code(self) -> i32 {
        match self {
            Status::Other(n) => n,
            known => STATUSES.iter().find(|(s, _)| *s == known).map_or(-1, |(_, n)| *n),
        }
    }

    /// The stable snake_case name from the C API (`pdqg_status_name`), e.g.
    /// "decode_error"; "unknown_error" for a number the library does not know either.
    pub fn name(self) -> &'static str {
        static_str(unsafe { sys::pdqg_status_name(self.code()) })
    }
}

/// The name, with the number when the library has no name for it ("unknown_error 42").
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name();
        if name == static_str(unsafe { sys::pdqg_status_name(-1) }) {
            write!(f, "{} {}", name, self.code())
        } else {
            f.write_str(name)
        }
    }
}

/// A failed pdqguard call: the C status and the library's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for Error {}

/// `Result<T, pdqguard::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

fn static_str(p: *const c_char) -> &'static str {
    if p.is_null() {
        return "unknown";
    }
    // The C API returns static ASCII names.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("unknown")
}

fn owned_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Turns a C status into a Result, reading this thread's pdqg_last_error().
fn check(st: c_int) -> Result<()> {
    if st == sys::PDQG_OK {
        Ok(())
    } else {
        Err(Error { status: Status::from_c(st), message: owned_str(unsafe { sys::pdqg_last_error() }) })
    }
}

fn cstring(s: &[u8]) -> Result<CString> {
    CString::new(s).map_err(|_| Error {
        status: Status::InvalidArgument,
        message: "a string or path contains a NUL byte".into(),
    })
}

fn cpath(p: &Path) -> Result<CString> {
    cstring(p.as_os_str().as_bytes())
}

/// A 256-bit PDQ hash in the C API's layout (bit k in `words[k / 64]` at bit
/// `k % 64`). Its text form (Display, FromStr) is the C API's 64 hex digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hash {
    pub words: [u64; 4],
}

impl Hash {
    fn c(&self) -> *const sys::pdqg_hash {
        self as *const Hash as *const sys::pdqg_hash
    }

    /// Hamming distance 0..=256 (`pdqg_hash_distance`).
    ///
    /// ```
    /// let a: pdqguard::Hash = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22".parse()?;
    /// let b: pdqguard::Hash = "d0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22".parse()?;
    /// assert_eq!(a.distance(&b), 16);
    /// # Ok::<(), pdqguard::Error>(())
    /// ```
    pub fn distance(&self, other: &Hash) -> u32 {
        unsafe { sys::pdqg_hash_distance(self.c(), other.c()) as u32 }
    }
}

impl From<sys::pdqg_hash> for Hash {
    fn from(h: sys::pdqg_hash) -> Hash {
        Hash { words: h.words }
    }
}

impl FromStr for Hash {
    type Err = Error;
    /// Parses exactly 64 hex digits, either case (`pdqg_hash_from_hex`); errors
    /// have status BadHash.
    fn from_str(s: &str) -> Result<Hash> {
        let cs = cstring(s.as_bytes())
            .map_err(|_| Error { status: Status::BadHash, message: "a hash contains a NUL byte".into() })?;
        let mut h = sys::pdqg_hash::default();
        check(unsafe { sys::pdqg_hash_from_hex(cs.as_ptr(), &mut h) })?;
        Ok(h.into())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0 as c_char; sys::PDQG_HEX_LENGTH + 1];
        unsafe { sys::pdqg_hash_to_hex(self.c(), buf.as_mut_ptr()) };
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
        f.write_str(text.to_str().unwrap_or(""))
    }
}

macro_rules! c_enum {
    ($(#[$doc:meta])* $name:ident, $namefn:path { $($variant:ident = $value:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }
        impl $name {
            /// All values, in the C API's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// The C API's number.
            pub fn code(self) -> i32 { match self { $($name::$variant => $value),* } }
            #[allow(dead_code)]
            fn from_c(v: c_int) -> Option<$name> {
                match v { $(x if x == $value => Some($name::$variant),)* _ => None }
            }
            /// The C API's name for it.
            pub fn name(self) -> &'static str { static_str(unsafe { $namefn(self.code()) }) }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.name()) }
        }
    };
}

c_enum!(
    /// A raw frame's pixel format (`pdqg_format`); names "gray8", "rgb8", ...
    Format, sys::pdqg_format_name {
    Gray8 = sys::PDQG_FORMAT_GRAY8, Rgb8 = sys::PDQG_FORMAT_RGB8, Rgba8 = sys::PDQG_FORMAT_RGBA8,
    Bgr8 = sys::PDQG_FORMAT_BGR8, Bgra8 = sys::PDQG_FORMAT_BGRA8, I420 = sys::PDQG_FORMAT_I420,
    Nv12 = sys::PDQG_FORMAT_NV12,
});

c_enum!(
    /// One of the eight rotations/flips (`pdqg_dihedral`), in the reference's order.
    Dihedral, sys::pdqg_dihedral_name {
    Original = 0, Rot90 = 1, Rot180 = 2, Rot270 = 3, FlipX = 4, FlipY = 5, FlipPlus1 = 6,
    FlipMinus1 = 7,
});

c_enum!(
    /// Why a query matched nothing without being searched (`pdqg_gate`).
    Gate, sys::pdqg_gate_name {
    None = sys::PDQG_GATE_NONE, TooSmall = sys::PDQG_GATE_TOO_SMALL,
    BelowQuality = sys::PDQG_GATE_BELOW_QUALITY,
});

/// A parameter's accepted range (inclusive) and default, as the library defines them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub lower: i64,
    pub upper: i64,
    pub default: i64,
}

fn bounds(f: unsafe extern "C" fn(c_int, *mut i64, *mut i64, *mut i64) -> c_int, p: c_int) -> Bounds {
    let mut b = Bounds { lower: 0, upper: 0, default: 0 };
    // Every parameter of the enums below is known to the library.
    let _ = check(unsafe { f(p, &mut b.lower, &mut b.upper, &mut b.default) });
    b
}

c_enum!(
    /// A hasher parameter (`pdqg_hasher_param`).
    HasherParam, hasher_param_name {
    MaxPixels = sys::PDQG_HASHER_MAX_PIXELS, MaxBytes = sys::PDQG_HASHER_MAX_BYTES,
    FastJpeg = sys::PDQG_HASHER_FAST_JPEG, ExifOrientation = sys::PDQG_HASHER_EXIF_ORIENTATION,
    MaxDecodeMemory = sys::PDQG_HASHER_MAX_DECODE_MEMORY, MaxDecodeCpuMs = sys::PDQG_HASHER_MAX_DECODE_CPU_MS,
});

// The C API has no name function for hasher parameters: these are its enumerator
// names (PDQG_HASHER_MAX_PIXELS -> "max_pixels"), spelled as the matcher's are.
unsafe fn hasher_param_name(p: c_int) -> *const c_char {
    let name: &'static [u8] = match p {
        sys::PDQG_HASHER_MAX_PIXELS => b"max_pixels\0",
        sys::PDQG_HASHER_MAX_BYTES => b"max_bytes\0",
        sys::PDQG_HASHER_FAST_JPEG => b"fast_jpeg\0",
        sys::PDQG_HASHER_EXIF_ORIENTATION => b"exif_orientation\0",
        sys::PDQG_HASHER_MAX_DECODE_MEMORY => b"max_decode_memory\0",
        sys::PDQG_HASHER_MAX_DECODE_CPU_MS => b"max_decode_cpu_ms\0",
        _ => return ptr::null(),
    };
    name.as_ptr().cast()
}

impl HasherParam {
    /// Bounds and default (`pdqg_hasher_param_bounds`).
    pub fn bounds(self) -> Bounds {
        bounds(sys::pdqg_hasher_param_bounds, self.code())
    }
}

c_enum!(
    /// A matcher parameter (`pdqg_matcher_param`); names as `pdqg_matcher_param_name`.
    MatcherParam, sys::pdqg_matcher_param_name {
    Threshold = sys::PDQG_MATCHER_THRESHOLD, MinQuality = sys::PDQG_MATCHER_MIN_QUALITY,
    Dihedral = sys::PDQG_MATCHER_DIHEDRAL, IndexKind = sys::PDQG_MATCHER_INDEX_KIND,
    MaxMatches = sys::PDQG_MATCHER_MAX_MATCHES, Lenient = sys::PDQG_MATCHER_LENIENT,
    VerifyChecksum = sys::PDQG_MATCHER_VERIFY_CHECKSUM, Entries = sys::PDQG_MATCHER_ENTRIES,
    Hashes = sys::PDQG_MATCHER_HASHES, Generation = sys::PDQG_MATCHER_GENERATION,
    MaxListBytes = sys::PDQG_MATCHER_MAX_LIST_BYTES, MaxLineBytes = sys::PDQG_MATCHER_MAX_LINE_BYTES,
    AllowEmpty = sys::PDQG_MATCHER_ALLOW_EMPTY, SettleMs = sys::PDQG_MATCHER_SETTLE_MS,
    MaxShrinkPercent = sys::PDQG_MATCHER_MAX_SHRINK_PERCENT,
});

impl MatcherParam {
    /// Bounds and default (`pdqg_matcher_param_bounds`), e.g. threshold 31.
    pub fn bounds(self) -> Bounds {
        bounds(sys::pdqg_matcher_param_bounds, self.code())
    }
}

/// The outcome of hashing one image (`pdqg_result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashResult {
    pub hash: Hash,
    /// 0..=100; below the matcher's minimum quality it matches nothing.
    pub quality: i32,
    /// A side below 5 pixels: all-zero hash, quality 0.
    pub too_small: bool,
    pub width: i32,
    pub height: i32,
    /// The 8 variant hashes indexed by `Dihedral::code()`, when asked for
    /// (`Hasher::set_dihedral`).
    pub dihedral: Option<[Hash; 8]>,
}

impl HashResult {
    fn from_c(r: &sys::pdqg_result) -> HashResult {
        HashResult {
            hash: r.hash.into(),
            quality: r.quality,
            too_small: r.too_small != 0,
            width: r.width,
            height: r.height,
            dihedral: if r.has_dihedral != 0 { Some(r.dihedral.map(Hash::from)) } else { None },
        }
    }

    fn as_c(&self) -> sys::pdqg_result {
        let mut r = sys::pdqg_result {
            hash: sys::pdqg_hash { words: self.hash.words },
            quality: self.quality,
            too_small: self.too_small as c_int,
            width: self.width,
            height: self.height,
            ..Default::default()
        };
        if let Some(d) = self.dihedral {
            r.has_dihedral = 1;
            r.dihedral = d.map(|h| sys::pdqg_hash { words: h.words });
        }
        r
    }
}

/// A raw frame borrowed from the caller. `planes[p]` holds plane p from its
/// first row (empty = absent), `strides[p]` the bytes between row starts (0 =
/// packed). Only plane 0 is read; I420/NV12 chroma planes may be left empty.
/// The library checks every plane's bounds before reading.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub format: Format,
    pub width: i32,
    pub height: i32,
    pub planes: [&'a [u8]; 3],
    pub strides: [usize; 3],
}

impl<'a> Frame<'a> {
    /// A frame whose only given plane is `plane0`, rows packed.
    pub fn new(format: Format, width: i32, height: i32, plane0: &'a [u8]) -> Frame<'a> {
        Frame { format, width, height, planes: [plane0, &[], &[]], strides: [0; 3] }
    }

    fn as_c(&self) -> sys::pdqg_frame {
        let mut f = sys::pdqg_frame {
            format: self.format.code(),
            width: self.width,
            height: self.height,
            planes: [ptr::null(); 3],
            strides: self.strides,
            sizes: [0; 3],
        };
        for (i, p) in self.planes.iter().enumerate() {
            if !p.is_empty() {
                f.planes[i] = p.as_ptr();
                f.sizes[i] = p.len();
            }
        }
        f
    }
}

/// Row bytes (without padding) and rows of `plane` of a frame (`pdqg_frame_plane_size`).
pub fn plane_size(format: Format, width: i32, height: i32, plane: i32) -> Result<(usize, usize)> {
    let (mut rb, mut rows) = (0usize, 0usize);
    check(unsafe { sys::pdqg_frame_plane_size(format.code(), width, height, plane, &mut rb, &mut rows) })?;
    Ok((rb, rows))
}

/// Bytes of a frame with its planes back to back, unpadded (`pdqg_frame_packed_size`).
pub fn packed_size(format: Format, width: i32, height: i32) -> Result<usize> {
    let mut n = 0usize;
    check(unsafe { sys::pdqg_frame_packed_size(format.code(), width, height, &mut n) })?;
    Ok(n)
}

fn do_hash_file(h: *mut sys::pdqg_hasher, path: &Path, flags: u32) -> Result<HashResult> {
    let cp = cpath(path)?;
    let mut r = sys::pdqg_result::default();
    check(unsafe { sys::pdqg_hash_file(h, cp.as_ptr(), flags, &mut r) })?;
    Ok(HashResult::from_c(&r))
}

fn do_hash_bytes(h: *mut sys::pdqg_hasher, data: &[u8], flags: u32) -> Result<HashResult> {
    let mut r = sys::pdqg_result::default();
    check(unsafe { sys::pdqg_hash_buffer(h, data.as_ptr().cast(), data.len(), flags, &mut r) })?;
    Ok(HashResult::from_c(&r))
}

fn do_hash_frame(h: *mut sys::pdqg_hasher, frame: &Frame<'_>, flags: u32) -> Result<HashResult> {
    let f = frame.as_c();
    let mut r = sys::pdqg_result::default();
    check(unsafe { sys::pdqg_hash_frame(h, &f, flags, &mut r) })?;
    Ok(HashResult::from_c(&r))
}

/// Decodes and hashes an image file (JPEG, PNG, binary PPM/PGM, sniffed from
/// the bytes) with default limits (`pdqg_hash_file`). Thread-safe.
pub fn hash_file<P: AsRef<Path>>(path: P) -> Result<HashResult> {
    do_hash_file(ptr::null_mut(), path.as_ref(), 0)
}

/// Decodes and hashes an encoded image in memory (`pdqg_hash_buffer`). Thread-safe.
pub fn hash_bytes(data: &[u8]) -> Result<HashResult> {
    do_hash_bytes(ptr::null_mut(), data, 0)
}

/// Hashes a raw frame (`pdqg_hash_frame`). Thread-safe.
pub fn hash_frame(frame: &Frame<'_>) -> Result<HashResult> {
    do_hash_frame(ptr::null_mut(), frame, 0)
}

/// A `pdqg_hasher`: limits, options and reusable scratch memory, freed on drop.
/// It is `Send` but not `Sync` (the C hasher serves one thread at a time): use
/// one per thread.
pub struct Hasher {
    h: *mut sys::pdqg_hasher,
    flags: u32,
}

unsafe impl Send for Hasher {}

impl Hasher {
    /// A hasher with the library's default parameters.
    pub fn new() -> Result<Hasher> {
        let mut h = ptr::null_mut();
        check(unsafe { sys::pdqg_hasher_create(&mut h) })?;
        Ok(Hasher { h, flags: 0 })
    }

    /// Sets a parameter (`pdqg_hasher_set`); out of range is InvalidArgument.
    pub fn set(&mut self, p: HasherParam, value: i64) -> Result<()> {
        check(unsafe { sys::pdqg_hasher_set(self.h, p.code(), value) })
    }

    /// Reads a parameter (`pdqg_hasher_get`).
    pub fn get(&self, p: HasherParam) -> Result<i64> {
        let mut v = 0i64;
        check(unsafe { sys::pdqg_hasher_get(self.h, p.code(), &mut v) })?;
        Ok(v)
    }

    /// Also compute the 8 dihedral hashes (`PDQG_FLAG_DIHEDRAL`).
    pub fn set_dihedral(&mut self, on: bool) {
        self.flags = if on { sys::PDQG_FLAG_DIHEDRAL } else { 0 };
    }

    /// `hash_file` with this hasher's limits and options.
    pub fn hash_file<P: AsRef<Path>>(&mut self, path: P) -> Result<HashResult> {
        do_hash_file(self.h, path.as_ref(), self.flags)
    }

    /// `hash_bytes` with this hasher's limits and options.
    pub fn hash_bytes(&mut self, data: &[u8]) -> Result<HashResult> {
        do_hash_bytes(self.h, data, self.flags)
    }

    /// `hash_frame` reusing this hasher's scratch memory.
    pub fn hash_frame(&mut self, frame: &Frame<'_>) -> Result<HashResult> {
        do_hash_frame(self.h, frame, self.flags)
    }
}

impl Drop for Hasher {
    fn drop(&mut self) {
        unsafe { sys::pdqg_hasher_free(self.h) }
    }
}

/// One list entry a query matched (`pdqg_match`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub list: String,
    pub id: String,
    pub label: String,
    pub hash: Hash,
    pub distance: u32,
    pub dihedral: Dihedral,
}

/// A loaded blocklist (`pdqg_matcher`), freed on drop. `Send + Sync`: any
/// number of threads may query it while another reloads it (the C API swaps
/// the new list in atomically).
pub struct Matcher {
    m: *mut sys::pdqg_matcher,
}

unsafe impl Send for Matcher {}
unsafe impl Sync for Matcher {}

fn c_list<P: AsRef<Path>>(lists: &[P]) -> Result<Vec<CString>> {
    lists.iter().map(|p| cpath(p.as_ref())).collect()
}

impl Matcher {
    /// Loads hash list files and/or an index file with default parameters
    /// (`pdqg_matcher_open`).
    pub fn open<P: AsRef<Path>>(lists: &[P], index: Option<&Path>) -> Result<Matcher> {
        let cl = c_list(lists)?;
        let ptrs: Vec<*const c_char> = cl.iter().map(|c| c.as_ptr()).collect();
        let ci = index.map(cpath).transpose()?;
        let mut m = ptr::null_mut();
        check(unsafe {
            sys::pdqg_matcher_open(
                ptrs.as_ptr(),
                ptrs.len(),
                ci.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                &mut m,
            )
        })?;
        Ok(Matcher { m })
    }

    /// An empty matcher: set load parameters, then `load`.
    pub fn new() -> Result<Matcher> {
        let mut m = ptr::null_mut();
        check(unsafe { sys::pdqg_matcher_create(&mut m) })?;
        Ok(Matcher { m })
    }

    /// Replaces the list atomically (`pdqg_matcher_load`); on failure it stays.
    pub fn load<P: AsRef<Path>>(&self, lists: &[P], index: Option<&Path>) -> Result<()> {
        let cl = c_list(lists)?;
        let ptrs: Vec<*const c_char> = cl.iter().map(|c| c.as_ptr()).collect();
        let ci = index.map(cpath).transpose()?;
        check(unsafe {
            sys::pdqg_matcher_load(
                self.m,
                ptrs.as_ptr(),
                ptrs.len(),
                ci.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            )
        })
    }

    /// Reads the remembered sources again (`pdqg_matcher_reload`).
    pub fn reload(&self) -> Result<()> {
        check(unsafe { sys::pdqg_matcher_reload(self.m) })
    }

    /// Reloads only when a source changed (`pdqg_matcher_reload_if_changed`);
    /// true when it reloaded.
    pub fn reload_if_changed(&self) -> Result<bool> {
        let mut done: c_int = 0;
        check(unsafe { sys::pdqg_matcher_reload_if_changed(self.m, &mut done) })?;
        Ok(done != 0)
    }

    /// Sets a parameter (`pdqg_matcher_set`); thread-safe, also during queries.
    pub fn set(&self, p: MatcherParam, value: i64) -> Result<()> {
        check(unsafe { sys::pdqg_matcher_set(self.m, p.code(), value) })
    }

    /// Reads a parameter or a count such as `Entries` (`pdqg_matcher_get`).
    pub fn get(&self, p: MatcherParam) -> Result<i64> {
        let mut v = 0i64;
        check(unsafe { sys::pdqg_matcher_get(self.m, p.code(), &mut v) })?;
        Ok(v)
    }

    /// Matches a hashing result by the library's rules (`pdqg_matcher_query`):
    /// too-small or below-quality images match nothing and the gate says which.
    pub fn query(&self, r: &HashResult) -> Result<(Vec<Match>, Gate)> {
        let q = r.as_c();
        let mut arr: *mut sys::pdqg_match = ptr::null_mut();
        let mut n = 0usize;
        let mut gate: c_int = 0;
        check(unsafe { sys::pdqg_matcher_query(self.m, &q, &mut arr, &mut n, &mut gate) })?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let c = unsafe { &*arr.add(i) };
            out.push(Match {
                list: owned_str(c.list),
                id: owned_str(c.id),
                label: owned_str(c.label),
                hash: c.hash.into(),
                distance: c.distance as u32,
                dihedral: Dihedral::from_c(c.dihedral).unwrap_or(Dihedral::Original),
            });
        }
        unsafe { sys::pdqg_matches_free(arr) };
        Ok((out, Gate::from_c(gate).unwrap_or(Gate::None)))
    }

    /// Matches a bare hash of unknown quality (never gated by the minimum quality).
    pub fn match_hash(&self, h: &Hash) -> Result<Vec<Match>> {
        let r = HashResult { hash: *h, quality: -1, too_small: false, width: 0, height: 0, dihedral: None };
        Ok(self.query(&r)?.0)
    }
}

impl Drop for Matcher {
    fn drop(&mut self) {
        unsafe { sys::pdqg_matcher_free(self.m) }
    }
}
