package pdqguard

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"image"
	"runtime"
	"sync"
)

// HasherParam is a hasher parameter (pdqg_hasher_param); its bounds and
// default come from the C API (HasherParamBounds).
type HasherParam int

// The hasher parameters, with the C API's numbers and meanings.
const (
	MaxPixels       HasherParam = C.PDQG_HASHER_MAX_PIXELS
	MaxBytes        HasherParam = C.PDQG_HASHER_MAX_BYTES
	FastJPEG        HasherParam = C.PDQG_HASHER_FAST_JPEG
	ExifOrientation HasherParam = C.PDQG_HASHER_EXIF_ORIENTATION
	MaxDecodeMemory HasherParam = C.PDQG_HASHER_MAX_DECODE_MEMORY
	MaxDecodeCPUMs  HasherParam = C.PDQG_HASHER_MAX_DECODE_CPU_MS
)

// Bounds holds a parameter's accepted range (inclusive) and its default, as
// the library defines them.
type Bounds struct{ Lower, Upper, Default int64 }

// HasherParamBounds returns the bounds and default of a hasher parameter
// (pdqg_hasher_param_bounds). Errors wrap ErrInvalidArgument.
func HasherParamBounds(p HasherParam) (Bounds, error) { return paramBounds(0, int(p)) }

func paramBounds(matcher, p int) (Bounds, error) {
	var lo, hi, def C.int64_t
	var msg *C.char
	if err := check(C.pdqgo_param_bounds(C.int(matcher), C.int(p), &lo, &hi, &def, &msg), msg); err != nil {
		return Bounds{}, err
	}
	return Bounds{int64(lo), int64(hi), int64(def)}, nil
}

// Hasher is a pdqg_hasher: decoding limits and options plus scratch memory
// reused from call to call. It is safe for concurrent use, but its calls are
// serialised (the C hasher serves one thread at a time): give each goroutine
// its own Hasher for parallel hashing. Close frees it; a finalizer frees a
// Hasher that was never closed.
type Hasher struct {
	mu       sync.Mutex
	h        *C.pdqg_hasher
	dihedral bool
}

// NewHasher creates a hasher with the library's default parameters.
func NewHasher() (*Hasher, error) {
	var h *C.pdqg_hasher
	st := C.pdqg_hasher_create(&h)
	if st != C.PDQG_OK {
		return nil, &Error{Status: Status(st), Message: "pdqg_hasher_create failed"}
	}
	hs := &Hasher{h: h}
	runtime.SetFinalizer(hs, (*Hasher).Close)
	return hs, nil
}

// Close frees the hasher. Later calls fail with ErrClosed; Close again does
// nothing.
func (hs *Hasher) Close() error {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h != nil {
		C.pdqg_hasher_free(hs.h)
		hs.h = nil
		runtime.SetFinalizer(hs, nil)
	}
	return nil
}

// Set sets a parameter (pdqg_hasher_set). Errors wrap ErrInvalidArgument
// (unknown parameter, value out of range).
func (hs *Hasher) Set(p HasherParam, value int64) error {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h == nil {
		return ErrClosed
	}
	var msg *C.char
	return check(C.pdqgo_hasher_set(hs.h, C.int(p), C.int64_t(value), &msg), msg)
}

// Get reads a parameter (pdqg_hasher_get).
func (hs *Hasher) Get(p HasherParam) (int64, error) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h == nil {
		return 0, ErrClosed
	}
	var v C.int64_t
	if st := C.pdqg_hasher_get(hs.h, C.int(p), &v); st != C.PDQG_OK {
		return 0, &Error{Status: Status(st), Message: C.GoString(C.pdqg_hasher_error(hs.h))}
	}
	return int64(v), nil
}

// SetDihedral makes later calls also compute the 8 dihedral hashes
// (PDQG_FLAG_DIHEDRAL), which a Matcher with Dihedral on searches.
func (hs *Hasher) SetDihedral(on bool) {
	hs.mu.Lock()
	hs.dihedral = on
	hs.mu.Unlock()
}

func (hs *Hasher) flags() C.uint {
	if hs.dihedral {
		return C.PDQG_FLAG_DIHEDRAL
	}
	return 0
}

// HashFile hashes an image file with this hasher's limits (see HashFile).
func (hs *Hasher) HashFile(path string) (Result, error) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h == nil {
		return Result{}, ErrClosed
	}
	return hashFile(hs.h, path, hs.flags())
}

// HashBytes hashes an encoded image in memory with this hasher's limits.
func (hs *Hasher) HashBytes(data []byte) (Result, error) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h == nil {
		return Result{}, ErrClosed
	}
	return hashBytes(hs.h, data, hs.flags())
}

// HashFrame hashes a raw frame reusing this hasher's scratch memory.
func (hs *Hasher) HashFrame(f Frame) (Result, error) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h == nil {
		return Result{}, ErrClosed
	}
	return hashFrame(hs.h, f, hs.flags())
}

// HashImage hashes an image.Image as the package-level HashImage does.
func (hs *Hasher) HashImage(img image.Image) (Result, error) { return hashImage(hs, img) }
