package pdqguard

/*
#cgo pkg-config: pdqguard
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import "unsafe"

// check converts a shim's status and malloc'd message into a Go error.
func check(st C.int, msg *C.char) error {
	if msg == nil {
		return newError(st, "")
	}
	defer C.free(unsafe.Pointer(msg))
	return newError(st, C.GoString(msg))
}
