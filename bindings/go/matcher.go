package pdqguard

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// MatcherParam is a matcher parameter (pdqg_matcher_param); its bounds and
// default come from the C API (MatcherParamBounds).
type MatcherParam int

// The matcher parameters, with the C API's numbers and meanings.
const (
	Threshold      MatcherParam = C.PDQG_MATCHER_THRESHOLD
	MinQuality     MatcherParam = C.PDQG_MATCHER_MIN_QUALITY
	DihedralSearch MatcherParam = C.PDQG_MATCHER_DIHEDRAL
	IndexKind      MatcherParam = C.PDQG_MATCHER_INDEX_KIND
	MaxMatches     MatcherParam = C.PDQG_MATCHER_MAX_MATCHES
	Lenient        MatcherParam = C.PDQG_MATCHER_LENIENT
	VerifyChecksum MatcherParam = C.PDQG_MATCHER_VERIFY_CHECKSUM
	Entries        MatcherParam = C.PDQG_MATCHER_ENTRIES
	Hashes         MatcherParam = C.PDQG_MATCHER_HASHES
	Generation     MatcherParam = C.PDQG_MATCHER_GENERATION
	MaxListBytes   MatcherParam = C.PDQG_MATCHER_MAX_LIST_BYTES
	MaxLineBytes   MatcherParam = C.PDQG_MATCHER_MAX_LINE_BYTES
	AllowEmpty     MatcherParam = C.PDQG_MATCHER_ALLOW_EMPTY
	SettleMs       MatcherParam = C.PDQG_MATCHER_SETTLE_MS
	MaxShrinkPct   MatcherParam = C.PDQG_MATCHER_MAX_SHRINK_PERCENT
)

// String is the parameter's name as every binding spells it ("threshold", ...).
func (p MatcherParam) String() string {
	if s := C.pdqg_matcher_param_name(C.int(p)); s != nil {
		return C.GoString(s)
	}
	return "unknown"
}

// MatcherParamBounds returns the bounds and default of a matcher parameter
// (pdqg_matcher_param_bounds), e.g. the default threshold 31.
func MatcherParamBounds(p MatcherParam) (Bounds, error) { return paramBounds(1, int(p)) }

// Gate says why a query matched nothing without being searched (pdqg_gate).
type Gate int

// The gates, with the C API's numbers; String gives "none", "too_small",
// "below_quality".
const (
	GateNone         Gate = C.PDQG_GATE_NONE
	GateTooSmall     Gate = C.PDQG_GATE_TOO_SMALL
	GateBelowQuality Gate = C.PDQG_GATE_BELOW_QUALITY
)

func (g Gate) String() string { return C.GoString(C.pdqg_gate_name(C.int(g))) }

// Match is one list entry a query matched (pdqg_match).
type Match struct {
	List     string   // the list's name
	ID       string   // the entry's id (its line number when the list has none)
	Label    string   // "" when none
	Hash     Hash     // the entry's hash
	Distance int      // Hamming distance to the nearest query variant
	Dihedral Dihedral // the query variant that matched
}

// Matcher is a loaded blocklist (pdqg_matcher). Any number of goroutines may
// query it at once, also while another reloads it (the C API swaps the new
// list in atomically). Close frees it once running calls have returned; a
// finalizer frees a Matcher that was never closed.
type Matcher struct {
	mu sync.RWMutex // read: any C call; write: Close
	m  *C.pdqg_matcher
}

func newMatcher(m *C.pdqg_matcher) *Matcher {
	mt := &Matcher{m: m}
	runtime.SetFinalizer(mt, (*Matcher).Close)
	return mt
}

// cStrings copies strings into C memory; free with freeCStrings.
func cStrings(ss []string) (**C.char, []*C.char) {
	if len(ss) == 0 {
		return nil, nil
	}
	arr := (*[1 << 28]*C.char)(C.malloc(C.size_t(len(ss)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:len(ss):len(ss)]
	for i, s := range ss {
		arr[i] = C.CString(s)
	}
	return &arr[0], arr
}

func freeCStrings(arr []*C.char) {
	for _, p := range arr {
		C.free(unsafe.Pointer(p))
	}
	if len(arr) > 0 {
		C.free(unsafe.Pointer(&arr[0]))
	}
}

func optCString(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

// OpenMatcher loads hash list files and/or an index file ("" for none) with
// default parameters (pdqg_matcher_open). Errors wrap ErrIO, ErrListParse,
// ErrIndexCorrupt, ErrInvalidArgument.
func OpenMatcher(lists []string, index string) (*Matcher, error) {
	cl, arr := cStrings(lists)
	defer freeCStrings(arr)
	ci := optCString(index)
	defer C.free(unsafe.Pointer(ci))
	var m *C.pdqg_matcher
	var msg *C.char
	if err := check(C.pdqgo_matcher_open(cl, C.size_t(len(lists)), ci, &m, &msg), msg); err != nil {
		return nil, err
	}
	return newMatcher(m), nil
}

// NewMatcher creates an empty matcher: set parameters (e.g. IndexKind,
// Lenient), then Load.
func NewMatcher() (*Matcher, error) {
	var m *C.pdqg_matcher
	if st := C.pdqg_matcher_create(&m); st != C.PDQG_OK {
		return nil, &Error{Status: Status(st), Message: "pdqg_matcher_create failed"}
	}
	return newMatcher(m), nil
}

// Close frees the matcher after the calls running on it return. Later calls
// fail with ErrClosed; Close again does nothing.
func (mt *Matcher) Close() error {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	if mt.m != nil {
		C.pdqg_matcher_free(mt.m)
		mt.m = nil
		runtime.SetFinalizer(mt, nil)
	}
	return nil
}

// Load replaces the list with the given sources, atomically
// (pdqg_matcher_load); on failure the current list stays.
func (mt *Matcher) Load(lists []string, index string) error {
	mt.mu.RLock()
	defer mt.mu.RUnlock()
	if mt.m == nil {
		return ErrClosed
	}
	cl, arr := cStrings(lists)
	defer freeCStrings(arr)
	ci := optCString(index)
	defer C.free(unsafe.Pointer(ci))
	var msg *C.char
	return check(C.pdqgo_matcher_load(mt.m, cl, C.size_t(len(lists)), ci, &msg), msg)
}

// Reload reads the remembered sources again and swaps the new list in
// (pdqg_matcher_reload); queries meanwhile are not disturbed, and on failure
// the current list stays in use.
func (mt *Matcher) Reload() error {
	_, err := mt.reload(0)
	return err
}

// ReloadIfChanged reloads only when a source file changed since the last
// attempt (pdqg_matcher_reload_if_changed); it reports whether it reloaded.
func (mt *Matcher) ReloadIfChanged() (bool, error) { return mt.reload(1) }

func (mt *Matcher) reload(ifChanged C.int) (bool, error) {
	mt.mu.RLock()
	defer mt.mu.RUnlock()
	if mt.m == nil {
		return false, ErrClosed
	}
	var done C.int
	var msg *C.char
	err := check(C.pdqgo_matcher_reload(mt.m, ifChanged, &done, &msg), msg)
	return done != 0, err
}

// Set sets a parameter (pdqg_matcher_set); safe during queries.
func (mt *Matcher) Set(p MatcherParam, value int64) error {
	mt.mu.RLock()
	defer mt.mu.RUnlock()
	if mt.m == nil {
		return ErrClosed
	}
	var msg *C.char
	return check(C.pdqgo_matcher_set(mt.m, C.int(p), C.int64_t(value), &msg), msg)
}

// Get reads a parameter or a read-only count such as Entries (pdqg_matcher_get).
func (mt *Matcher) Get(p MatcherParam) (int64, error) {
	mt.mu.RLock()
	defer mt.mu.RUnlock()
	if mt.m == nil {
		return 0, ErrClosed
	}
	var v C.int64_t
	if st := C.pdqg_matcher_get(mt.m, C.int(p), &v); st != C.PDQG_OK {
		return 0, &Error{Status: Status(st), Message: "unknown matcher parameter " + p.String()}
	}
	return int64(v), nil
}

// Match matches a hashing result by the library's rules (pdqg_matcher_query):
// a too-small image or one below MinQuality matches nothing and the Gate says
// which; with DihedralSearch on and r.Dihedral set, all 8 variants are
// searched. Matches come nearest first.
func (mt *Matcher) Match(r Result) ([]Match, Gate, error) {
	q, err := r.toC()
	if err != nil {
		return nil, GateNone, err
	}
	return mt.query(&q)
}

// MatchHash matches a bare hash whose quality is unknown (never gated by
// MinQuality).
func (mt *Matcher) MatchHash(h Hash) ([]Match, error) {
	q, _ := Result{Hash: h, Quality: -1}.toC() // fits: nothing to refuse
	ms, _, err := mt.query(&q)
	return ms, err
}

func (mt *Matcher) query(q *C.pdqg_result) ([]Match, Gate, error) {
	mt.mu.RLock()
	defer mt.mu.RUnlock()
	if mt.m == nil {
		return nil, GateNone, ErrClosed
	}
	var arr *C.pdqg_match
	var n C.size_t
	var gate C.int
	var msg *C.char
	if err := check(C.pdqgo_matcher_query(mt.m, q, &arr, &n, &gate, &msg), msg); err != nil {
		return nil, GateNone, err
	}
	defer C.pdqg_matches_free(arr)
	out := make([]Match, int(n))
	for i := range out {
		c := C.pdqgo_match_at(arr, C.size_t(i))
		out[i] = Match{
			List:     C.GoString(c.list),
			ID:       C.GoString(c.id),
			Label:    C.GoString(c.label),
			Hash:     *(*Hash)(unsafe.Pointer(&c.hash)),
			Distance: int(c.distance),
			Dihedral: Dihedral(c.dihedral),
		}
	}
	return out, Gate(gate), nil
}
