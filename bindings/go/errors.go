package pdqguard

/*
#include <pdqguard/pdqguard.h>
*/
import "C"

import "strconv"

// Status is a pdqguard status code (the C API's pdqg_status). Its numbers and
// snake_case names are those of the C API, the CLI's error records and the
// Python binding. A Status is itself an error, so the Err* values below can be
// used with errors.Is on any error this package returns.
type Status int

// The sentinel errors, one per C status (never PDQG_OK), in the C API's order.
// A status this list lacks (from a newer library) still arrives as a Status
// carrying its number, named by the library (Name), so a new C status needs
// nothing here but one line for its sentinel.
const (
	ErrInvalidArgument   Status = C.PDQG_INVALID_ARGUMENT
	ErrIO                Status = C.PDQG_IO_ERROR
	ErrUnsupportedFormat Status = C.PDQG_UNSUPPORTED_FORMAT
	ErrDecode            Status = C.PDQG_DECODE_ERROR
	ErrImageTooLarge     Status = C.PDQG_IMAGE_TOO_LARGE
	ErrFileTooLarge      Status = C.PDQG_FILE_TOO_LARGE
	ErrBadHash           Status = C.PDQG_BAD_HASH
	ErrListParse         Status = C.PDQG_LIST_PARSE_ERROR
	ErrIndexCorrupt      Status = C.PDQG_INDEX_CORRUPT
	ErrUnsupportedISA    Status = C.PDQG_UNSUPPORTED_ISA
	ErrOutOfMemory       Status = C.PDQG_OUT_OF_MEMORY
	ErrInternal          Status = C.PDQG_INTERNAL_ERROR
	ErrEncrypted         Status = C.PDQG_ENCRYPTED
	ErrArchiveLimit      Status = C.PDQG_ARCHIVE_LIMIT
	ErrNotAFile          Status = C.PDQG_NOT_A_FILE
	ErrNoVideoStream     Status = C.PDQG_NO_VIDEO_STREAM
	ErrBadFrameRate      Status = C.PDQG_BAD_FRAME_RATE
	ErrVideoTooLong      Status = C.PDQG_VIDEO_TOO_LONG
	ErrTruncatedInput    Status = C.PDQG_TRUNCATED_INPUT
	ErrResourceLimit     Status = C.PDQG_RESOURCE_LIMIT
)

// Name is the status's stable snake_case name from the C API
// (pdqg_status_name), e.g. "decode_error"; "unknown_error" for a number the
// loaded library does not know either.
func (s Status) Name() string { return C.GoString(C.pdqg_status_name(C.int(s))) }

// Error returns the status's name, with its number when the library has no
// name for it ("unknown_error 42"), so no status is ever reported anonymously.
func (s Status) Error() string {
	name := s.Name()
	if name == unknownName {
		return name + " " + strconv.Itoa(int(s))
	}
	return name
}

// unknownName is what pdqg_status_name answers for a number that is no status.
var unknownName = C.GoString(C.pdqg_status_name(-1))

// Error is a failed pdqguard call: the C status and the library's message.
// errors.Is(err, ErrDecode) and the like match it through Unwrap.
type Error struct {
	Status  Status // the C status, never 0
	Message string // the library's explanation (pdqg_last_error or the handle's message)
}

func (e *Error) Error() string { return e.Status.Error() + ": " + e.Message }

// Unwrap returns the Status, so errors.Is(err, pdqguard.ErrIO) works.
func (e *Error) Unwrap() error { return e.Status }

// ErrClosed is returned by a method called on a Matcher or Hasher after Close.
// It wraps ErrInvalidArgument, which the C API would report for a NULL handle.
var ErrClosed = &Error{Status: ErrInvalidArgument, Message: "pdqguard: use of a closed handle"}

// newError builds the error of a failed call (nil for PDQG_OK); msg is the
// message read on the thread that failed.
func newError(st C.int, msg string) error {
	if st == C.PDQG_OK {
		return nil
	}
	return &Error{Status: Status(st), Message: msg}
}
