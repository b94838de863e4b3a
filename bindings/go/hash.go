package pdqguard

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"math"
	"strconv"
	"unsafe"
)

// cInt is v as the C int the C API takes; a value that does not fit is refused
// with ErrInvalidArgument, never wrapped (C.int(1<<32+64) would be 64).
func cInt(v int, what string) (C.int, error) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, &Error{Status: ErrInvalidArgument, Message: what + " " + strconv.Itoa(v) + " does not fit a C int"}
	}
	return C.int(v), nil
}

// cInts converts several values with cInt, stopping at the first that does not fit.
func cInts(what []string, vs ...int) ([]C.int, error) {
	out := make([]C.int, len(vs))
	for i, v := range vs {
		c, err := cInt(v, what[i])
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// Hash is a 256-bit PDQ hash in the C API's layout (pdqg_hash: bit k in
// word k/64 at bit k%64). It is a comparable value, usable as a map key.
type Hash [4]uint64

func (h *Hash) c() *C.pdqg_hash { return (*C.pdqg_hash)(unsafe.Pointer(h)) }

// String returns the 64 lowercase hex digits in ThreatExchange order
// (pdqg_hash_to_hex).
func (h Hash) String() string {
	var buf [C.PDQG_HEX_LENGTH + 1]C.char
	C.pdqg_hash_to_hex(h.c(), &buf[0])
	return C.GoString(&buf[0])
}

// ParseHash parses exactly 64 hex digits, either case (pdqg_hash_from_hex).
// Errors wrap ErrBadHash, with the library's message naming the problem.
func ParseHash(s string) (Hash, error) {
	var h Hash
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	var msg *C.char
	if err := check(C.pdqgo_hash_from_hex(cs, h.c(), &msg), msg); err != nil {
		return Hash{}, err
	}
	return h, nil
}

// Distance is the Hamming distance 0..256 between two hashes
// (pdqg_hash_distance).
func (h Hash) Distance(other Hash) int {
	return int(C.pdqg_hash_distance(h.c(), other.c()))
}

// Format is a raw frame's pixel format (pdqg_format); String gives the C
// API's name ("gray8", "i420", ...).
type Format int

// The pixel formats, with the C API's numbers.
const (
	Gray8 Format = C.PDQG_FORMAT_GRAY8
	RGB8  Format = C.PDQG_FORMAT_RGB8
	RGBA8 Format = C.PDQG_FORMAT_RGBA8
	BGR8  Format = C.PDQG_FORMAT_BGR8
	BGRA8 Format = C.PDQG_FORMAT_BGRA8
	I420  Format = C.PDQG_FORMAT_I420
	NV12  Format = C.PDQG_FORMAT_NV12
)

func (f Format) String() string { return C.GoString(C.pdqg_format_name(C.int(f))) }

// Dihedral names one of the eight rotations/flips (pdqg_dihedral).
type Dihedral int

// The dihedral variants in the reference's order.
const (
	Original   Dihedral = C.PDQG_DIHEDRAL_ORIGINAL
	Rot90      Dihedral = C.PDQG_DIHEDRAL_ROT90
	Rot180     Dihedral = C.PDQG_DIHEDRAL_ROT180
	Rot270     Dihedral = C.PDQG_DIHEDRAL_ROT270
	FlipX      Dihedral = C.PDQG_DIHEDRAL_FLIPX
	FlipY      Dihedral = C.PDQG_DIHEDRAL_FLIPY
	FlipPlus1  Dihedral = C.PDQG_DIHEDRAL_FLIPPLUS1
	FlipMinus1 Dihedral = C.PDQG_DIHEDRAL_FLIPMINUS1
)

func (d Dihedral) String() string { return C.GoString(C.pdqg_dihedral_name(C.int(d))) }

// Result is the outcome of hashing one image (pdqg_result).
type Result struct {
	Hash     Hash
	Quality  int  // 0..100; below the matcher's minimum quality it matches nothing
	TooSmall bool // a side below 5 pixels: all-zero hash, quality 0
	Width    int  // the pixel size hashed (decoded size for files)
	Height   int
	// Dihedral holds the 8 variant hashes, indexed by Dihedral, when they
	// were asked for (Hasher.SetDihedral); nil otherwise.
	Dihedral *[8]Hash
}

func resultFromC(r *C.pdqg_result) Result {
	out := Result{
		Hash:     *(*Hash)(unsafe.Pointer(&r.hash)),
		Quality:  int(r.quality),
		TooSmall: r.too_small != 0,
		Width:    int(r.width),
		Height:   int(r.height),
	}
	if r.has_dihedral != 0 {
		d := new([8]Hash)
		for i := range d {
			d[i] = *(*Hash)(unsafe.Pointer(&r.dihedral[i]))
		}
		out.Dihedral = d
	}
	return out
}

// toC fills a pdqg_result for a matcher query (values that do not fit a C int
// are refused, not wrapped).
func (r Result) toC() (C.pdqg_result, error) {
	var c C.pdqg_result
	v, err := cInts([]string{"quality", "width", "height"}, r.Quality, r.Width, r.Height)
	if err != nil {
		return c, err
	}
	*(*Hash)(unsafe.Pointer(&c.hash)) = r.Hash
	c.quality, c.width, c.height = v[0], v[1], v[2]
	if r.TooSmall {
		c.too_small = 1
	}
	if r.Dihedral != nil {
		c.has_dihedral = 1
		for i := range r.Dihedral {
			*(*Hash)(unsafe.Pointer(&c.dihedral[i])) = r.Dihedral[i]
		}
	}
	return c, nil
}

// Frame is a raw frame in memory. Planes[p] holds plane p starting at its
// first row, Strides[p] is the distance between row starts in bytes (0 = rows
// packed). Only plane 0 (the luma-carrying one) is read; the chroma planes of
// I420/NV12 may be left nil. The library checks every plane's bounds before
// reading. PlaneSize and PackedSize give the geometry.
type Frame struct {
	Format  Format
	Width   int
	Height  int
	Planes  [3][]byte
	Strides [3]int
}

// PlaneSize returns the row bytes (without padding) and rows of plane `plane`
// of a width x height frame of `format` (pdqg_frame_plane_size). Errors wrap
// ErrInvalidArgument.
func PlaneSize(format Format, width, height, plane int) (rowBytes, rows int, err error) {
	var rb, rs C.size_t
	var msg *C.char
	v, err := cInts([]string{"format", "width", "height", "plane"}, int(format), width, height, plane)
	if err != nil {
		return 0, 0, err
	}
	if err := check(C.pdqgo_frame_plane_size(v[0], v[1], v[2], v[3], &rb, &rs, &msg), msg); err != nil {
		return 0, 0, err
	}
	return int(rb), int(rs), nil
}

// PackedSize returns the bytes of a frame whose planes lie back to back
// without padding, as `ffmpeg -f rawvideo` writes them (pdqg_frame_packed_size).
func PackedSize(format Format, width, height int) (int, error) {
	var n C.size_t
	var msg *C.char
	v, err := cInts([]string{"format", "width", "height"}, int(format), width, height)
	if err != nil {
		return 0, err
	}
	if err := check(C.pdqgo_frame_packed_size(v[0], v[1], v[2], &n, &msg), msg); err != nil {
		return 0, err
	}
	return int(n), nil
}

// HashFile decodes and hashes the image file at path (JPEG, PNG, binary
// PPM/PGM, sniffed from the bytes) with the default limits. Errors wrap
// ErrIO, ErrUnsupportedFormat, ErrDecode, ErrImageTooLarge, ErrFileTooLarge.
// Safe for concurrent use.
func HashFile(path string) (Result, error) { return hashFile(nil, path, 0) }

// HashBytes decodes and hashes an encoded image held in memory, as HashFile.
// Safe for concurrent use.
func HashBytes(data []byte) (Result, error) { return hashBytes(nil, data, 0) }

// HashFrame hashes a raw frame (see Frame). Errors wrap ErrInvalidArgument
// when the geometry does not fit the planes. Safe for concurrent use.
func HashFrame(f Frame) (Result, error) { return hashFrame(nil, f, 0) }

func hashFile(h *C.pdqg_hasher, path string, flags C.uint) (Result, error) {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var r C.pdqg_result
	var msg *C.char
	if err := check(C.pdqgo_hash_file(h, cp, flags, &r, &msg), msg); err != nil {
		return Result{}, err
	}
	return resultFromC(&r), nil
}

func hashBytes(h *C.pdqg_hasher, data []byte, flags C.uint) (Result, error) {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	var r C.pdqg_result
	var msg *C.char
	if err := check(C.pdqgo_hash_buffer(h, p, C.size_t(len(data)), flags, &r, &msg), msg); err != nil {
		return Result{}, err
	}
	return resultFromC(&r), nil
}

func hashFrame(h *C.pdqg_hasher, f Frame, flags C.uint) (Result, error) {
	var ptr [3]*C.uint8_t
	var stride, size [3]C.size_t
	for i, p := range f.Planes {
		if len(p) > 0 {
			ptr[i] = (*C.uint8_t)(unsafe.Pointer(&p[0]))
		}
		size[i] = C.size_t(len(p))
		if f.Strides[i] < 0 {
			return Result{}, &Error{Status: ErrInvalidArgument, Message: "negative stride"}
		}
		stride[i] = C.size_t(f.Strides[i])
	}
	v, err := cInts([]string{"format", "width", "height"}, int(f.Format), f.Width, f.Height)
	if err != nil {
		return Result{}, err
	}
	var r C.pdqg_result
	var msg *C.char
	st := C.pdqgo_hash_frame(h, v[0], v[1], v[2],
		ptr[0], stride[0], size[0], ptr[1], stride[1], size[1], ptr[2], stride[2], size[2],
		flags, &r, &msg)
	if err := check(st, msg); err != nil {
		return Result{}, err
	}
	return resultFromC(&r), nil
}
