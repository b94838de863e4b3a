package pdqguard

import (
	"bytes"
	"encoding/csv"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The test data: PDQGUARD_CORPUS_DIR (CTest sets it: tests/data, or the shared
// corpus for the *_corpus entry), else the repository's tests/data.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PDQGUARD_CORPUS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "tests", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "expected.csv")); err != nil {
		t.Fatalf("test data not found at %s (set PDQGUARD_CORPUS_DIR): %v", dir, err)
	}
	return dir
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, k := range recs[0] {
			m[k] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

var dihedralColumns = [8]string{"dih_original", "dih_rot90", "dih_rot180", "dih_rot270",
	"dih_flipx", "dih_flipy", "dih_flipplus1", "dih_flipminus1"}

// dihedralHasher is a Hasher computing the 8 dihedral hashes, closed at the
// end of the test.
func dihedralHasher(t *testing.T) *Hasher {
	t.Helper()
	hs, err := NewHasher()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.Close() })
	hs.SetDihedral(true)
	return hs
}

// Every image of expected.csv hashes exactly (hash, quality, size, the 8
// dihedral hashes) through HashFile, HashBytes and a dihedral Hasher.
func TestCorpusHashesExactly(t *testing.T) {
	dir := corpusDir(t)
	rows := readCSV(t, filepath.Join(dir, "expected.csv"))
	if len(rows) < 14 {
		t.Fatalf("only %d rows", len(rows))
	}
	hs := dihedralHasher(t)
	for _, row := range rows {
		path := filepath.Join(dir, "images", row["relative_path"])
		if row["hash"] == "" && strings.HasSuffix(path, ".webp") { // decoded since issue 15
			r, err := HashFile(path)
			if err != nil || strconv.Itoa(r.Width) != row["width"] {
				t.Errorf("%s: %v, width %d, want %s", row["relative_path"], err, r.Width, row["width"])
			}
			continue
		}
		if row["hash"] == "" { // what stays out of scope (a Lab TIFF): a clear error
			if _, err := HashFile(path); !errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("%s: %v, want unsupported_format", row["relative_path"], err)
			}
			continue
		}
		want, err := ParseHash(row["hash"])
		if err != nil {
			t.Fatal(err)
		}
		q, _ := strconv.Atoi(row["quality"])
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r1, err := HashFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r2, err := HashBytes(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r3, err := hs.HashFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, r := range []Result{r1, r2, r3} {
			if r.Hash != want || r.Quality != q || r.String() == "" {
				t.Errorf("%s: got %s q%d, want %s q%d", row["relative_path"], r.Hash, r.Quality, want, q)
			}
			if w, _ := strconv.Atoi(row["width"]); r.Width != w {
				t.Errorf("%s: width %d, want %d", row["relative_path"], r.Width, w)
			}
		}
		if r1.Dihedral != nil || r3.Dihedral == nil {
			t.Fatalf("%s: dihedral hashes present %v/%v", path, r1.Dihedral != nil, r3.Dihedral != nil)
		}
		for d, col := range dihedralColumns {
			if got := r3.Dihedral[d].String(); got != row[col] {
				t.Errorf("%s %s: got %s, want %s", row["relative_path"], Dihedral(d), got, row[col])
			}
		}
	}
}

func (r Result) String() string { return r.Hash.String() }

// readPNM returns the format, size and pixels of a binary P5/P6 file, maxval 255.
func readPNM(t *testing.T, path string) (Format, int, int, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	pos := 0
	for len(fields) < 4 {
		for data[pos] == ' ' || data[pos] == '\n' || data[pos] == '\r' || data[pos] == '\t' {
			pos++
		}
		if data[pos] == '#' {
			pos += bytes.IndexByte(data[pos:], '\n')
			continue
		}
		end := pos
		for data[end] != ' ' && data[end] != '\n' && data[end] != '\r' && data[end] != '\t' {
			end++
		}
		fields = append(fields, string(data[pos:end]))
		pos = end
	}
	w, _ := strconv.Atoi(fields[1])
	h, _ := strconv.Atoi(fields[2])
	if fields[3] != "255" {
		t.Fatalf("%s: maxval %s", path, fields[3])
	}
	if fields[0] == "P6" {
		return RGB8, w, h, data[pos+1:]
	}
	return Gray8, w, h, data[pos+1:]
}

// The raw pixel files of raw/expected.csv hash exactly as frames (RGB8/Gray8
// planes in memory, geometry from PlaneSize), dihedral hashes included.
func TestCorpusRawFramesHashExactly(t *testing.T) {
	dir := corpusDir(t)
	rows := readCSV(t, filepath.Join(dir, "raw", "expected.csv"))
	if len(rows) < 30 {
		t.Fatalf("only %d raw rows", len(rows))
	}
	hs := dihedralHasher(t)
	for _, row := range rows {
		format, w, h, pix := readPNM(t, filepath.Join(dir, "raw", row["relative_path"]))
		rowBytes, rows, err := PlaneSize(format, w, h, 0)
		if err != nil || rowBytes*rows != len(pix) {
			t.Fatalf("%s: plane %dx%d for %d bytes: %v", row["relative_path"], rowBytes, rows, len(pix), err)
		}
		r, err := hs.HashFrame(Frame{Format: format, Width: w, Height: h, Planes: [3][]byte{pix}})
		if err != nil {
			t.Fatalf("%s: %v", row["relative_path"], err)
		}
		q, _ := strconv.Atoi(row["quality"])
		if r.Hash.String() != row["hash"] || r.Quality != q {
			t.Errorf("%s: got %s q%d, want %s q%s", row["relative_path"], r.Hash, r.Quality, row["hash"], row["quality"])
		}
		for d, col := range dihedralColumns {
			if got := r.Dihedral[d].String(); got != row[col] {
				t.Errorf("%s %s: got %s, want %s", row["relative_path"], Dihedral(d), got, row[col])
			}
		}
	}
}

func TestHashTextAndDistance(t *testing.T) {
	const a = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	h, err := ParseHash(a)
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != a {
		t.Fatalf("round trip %s", h)
	}
	up, err := ParseHash("F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22")
	if err != nil || up != h {
		t.Fatalf("upper case: %v %v", up, err)
	}
	var zero Hash
	if d := h.Distance(zero); d <= 0 || d > 256 {
		t.Fatalf("distance %d", d)
	}
	flipped := h
	flipped[0] ^= 0b1011
	if d := h.Distance(flipped); d != 3 {
		t.Fatalf("3 bits flipped: distance %d", d)
	}
	for _, bad := range []string{"", a[:63], a + "0", "g" + a[1:]} {
		_, err := ParseHash(bad)
		var pe *Error
		if !errors.Is(err, ErrBadHash) || !errors.As(err, &pe) || pe.Message == "" {
			t.Errorf("ParseHash(%q): %v", bad, err)
		}
	}
}

func TestErrorsWrapTheCStatus(t *testing.T) {
	dir := corpusDir(t)
	_, err := HashFile(filepath.Join(dir, "no-such-file.jpg"))
	if !errors.Is(err, ErrIO) || errors.Is(err, ErrDecode) {
		t.Fatalf("missing file: %v", err)
	}
	if ErrIO.Name() != "io_error" || ErrDecode.Error() != "decode_error" {
		t.Fatalf("names %q %q", ErrIO.Name(), ErrDecode.Error())
	}
	data, err := os.ReadFile(filepath.Join(dir, "images", "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := HashBytes(data[:300]); !errors.Is(err, ErrDecode) {
		t.Fatalf("truncated JPEG: %v", err)
	}
	if _, err := HashBytes([]byte("plain text, not an image")); !errors.Is(err, ErrUnsupportedFormat) {
		t.Fatalf("text: %v", err)
	}
	if _, err := HashBytes(nil); err == nil {
		t.Fatal("empty input hashed")
	}
	hs, _ := NewHasher()
	defer hs.Close()
	if err := hs.Set(MaxBytes, 1000); err != nil {
		t.Fatal(err)
	}
	if v, _ := hs.Get(MaxBytes); v != 1000 {
		t.Fatalf("MaxBytes %d", v)
	}
	if _, err := hs.HashBytes(data); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("above MaxBytes: %v", err)
	}
	b, err := HasherParamBounds(MaxBytes)
	if err != nil || b.Default <= 1000 || b.Lower < 1 {
		t.Fatalf("bounds %+v %v", b, err)
	}
	if err := hs.Set(MaxBytes, b.Upper+1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("out of range: %v", err)
	}
}

// Every C status has its sentinel with the C API's name, and errors.Is finds it
// through an *Error; a number the binding (and the library) does not know is
// still an error carrying its number and name, never a panic.
func TestEveryStatusIsMapped(t *testing.T) {
	want := []struct {
		sentinel Status
		name     string
	}{
		{ErrInvalidArgument, "invalid_argument"}, {ErrIO, "io_error"},
		{ErrUnsupportedFormat, "unsupported_format"}, {ErrDecode, "decode_error"},
		{ErrImageTooLarge, "image_too_large"}, {ErrFileTooLarge, "file_too_large"},
		{ErrBadHash, "bad_hash"}, {ErrListParse, "list_parse_error"},
		{ErrIndexCorrupt, "index_corrupt"}, {ErrUnsupportedISA, "unsupported_isa"},
		{ErrOutOfMemory, "out_of_memory"}, {ErrInternal, "internal_error"},
		{ErrEncrypted, "encrypted"}, {ErrArchiveLimit, "archive_limit"},
		{ErrNotAFile, "not_a_file"}, {ErrNoVideoStream, "no_video_stream"},
		{ErrBadFrameRate, "bad_frame_rate"}, {ErrVideoTooLong, "video_too_long"},
		{ErrTruncatedInput, "truncated_input"},
	}
	for i, w := range want {
		if int(w.sentinel) != i+1 || w.sentinel.Name() != w.name || w.sentinel.Error() != w.name {
			t.Errorf("status %d: %d %q", i+1, int(w.sentinel), w.sentinel.Error())
		}
		var err error = &Error{Status: Status(i + 1), Message: "m"}
		if !errors.Is(err, w.sentinel) || err.Error() != w.name+": m" {
			t.Errorf("errors.Is(%v, %v) is false", err, w.sentinel)
		}
	}
	future := &Error{Status: Status(9999), Message: "from a newer library"}
	if future.Error() != "unknown_error 9999: from a newer library" || errors.Is(future, ErrInternal) {
		t.Errorf("unknown status: %q", future.Error())
	}
	var pe *Error
	if !errors.As(error(future), &pe) || int(pe.Status) != 9999 {
		t.Errorf("unknown status lost its number: %+v", pe)
	}
}

// Go ints that do not fit the C API's int are refused, never wrapped: a width
// of 1<<32+64 used to hash the frame 64 wide (issue #21's wrap, in Go).
func TestIntegersNeverWrap(t *testing.T) {
	pix := make([]byte, 64*64)
	for i := range pix {
		pix[i] = byte(i*7 + i/64)
	}
	good := Frame{Format: Gray8, Width: 64, Height: 64, Planes: [3][]byte{pix}}
	if _, err := HashFrame(good); err != nil {
		t.Fatal(err)
	}
	for _, f := range []Frame{
		{Format: Gray8, Width: 1<<32 + 64, Height: 64, Planes: [3][]byte{pix}},
		{Format: Gray8, Width: 64, Height: 1<<32 + 64, Planes: [3][]byte{pix}},
		{Format: Gray8 + 1<<32, Width: 64, Height: 64, Planes: [3][]byte{pix}},
	} {
		if _, err := HashFrame(f); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: %v", f.Width, err)
		}
	}
	if _, _, err := PlaneSize(Gray8, 1<<32+64, 64, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("PlaneSize: %v", err)
	}
	if _, err := PackedSize(Gray8, 64, 1<<32+1); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("PackedSize: %v", err)
	}
	dir := t.TempDir()
	list := filepath.Join(dir, "l.csv")
	os.WriteFile(list, []byte("id,hash\nzero,"+strings.Repeat("0", 64)+"\n"), 0o644)
	m, err := OpenMatcher([]string{list}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// quality 1<<32+10 used to arrive as 10 (and be gated); now refused.
	if _, _, err := m.Match(Result{Quality: 1<<32 + 10, Width: 64, Height: 64}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("quality 1<<32+10: %v", err)
	}
	if ms, gate, err := m.Match(Result{Quality: 100, Width: 64, Height: 64}); err != nil || gate != GateNone || len(ms) != 1 {
		t.Errorf("quality 100: %v %v %v", ms, gate, err)
	}
}

// A raw gray frame, padded rows, and the same pixels as an image.Gray (also a
// sub-image) hash alike; geometry comes from PlaneSize/PackedSize.
func TestFramesAndImages(t *testing.T) {
	const w, h = 97, 61
	rowBytes, rows, err := PlaneSize(Gray8, w, h, 0)
	if err != nil || rowBytes != w || rows != h {
		t.Fatalf("PlaneSize %d %d %v", rowBytes, rows, err)
	}
	packed, err := PackedSize(I420, w, h)
	if err != nil || packed != w*h+2*((w+1)/2)*((h+1)/2) {
		t.Fatalf("PackedSize %d %v", packed, err)
	}
	if _, _, err := PlaneSize(Gray8, w, h, 1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("gray plane 1: %v", err)
	}
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			gray.Pix[y*gray.Stride+x] = uint8((x*x + 3*y*x + 7*y) % 251)
		}
	}
	ref, err := HashFrame(Frame{Format: Gray8, Width: w, Height: h, Planes: [3][]byte{gray.Pix}})
	if err != nil || ref.Quality < 50 || ref.Width != w {
		t.Fatalf("gray frame: %+v %v", ref, err)
	}
	const stride = w + 13
	padded := make([]byte, stride*(h-1)+w)
	for y := 0; y < h; y++ {
		copy(padded[y*stride:], gray.Pix[y*w:(y+1)*w])
	}
	r, err := HashFrame(Frame{Format: Gray8, Width: w, Height: h, Planes: [3][]byte{padded}, Strides: [3]int{stride}})
	if err != nil || r.Hash != ref.Hash {
		t.Fatalf("padded rows: %v %v", r.Hash, err)
	}
	// I420 with only the Y plane: luma is used directly.
	r, err = HashFrame(Frame{Format: I420, Width: w, Height: h, Planes: [3][]byte{gray.Pix}})
	if err != nil || r.Hash != ref.Hash {
		t.Fatalf("i420 luma: %v %v", r.Hash, err)
	}
	if r, err := HashImage(gray); err != nil || r.Hash != ref.Hash {
		t.Fatalf("image.Gray: %v %v", r.Hash, err)
	}
	big := image.NewGray(image.Rect(0, 0, w+10, h+10))
	for y := 0; y < h; y++ {
		copy(big.Pix[(y+5)*big.Stride+5:], gray.Pix[y*w:(y+1)*w])
	}
	sub := big.SubImage(image.Rect(5, 5, 5+w, 5+h))
	if r, err := HashImage(sub); err != nil || r.Hash != ref.Hash {
		t.Fatalf("sub-image: %v %v", r.Hash, err)
	}
	// A frame whose plane is too short is refused before anything is read.
	_, err = HashFrame(Frame{Format: Gray8, Width: w, Height: h, Planes: [3][]byte{gray.Pix[:w*h-1]}})
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short plane: %v", err)
	}
	// Below 5 pixels: not an error, but too small.
	tiny, err := HashFrame(Frame{Format: Gray8, Width: 4, Height: 4, Planes: [3][]byte{make([]byte, 16)}})
	if err != nil || !tiny.TooSmall || tiny.Quality != 0 {
		t.Fatalf("tiny: %+v %v", tiny, err)
	}
}

// A PNG decoded by Go's image/png hashes as the C decoder's expected value.
func TestImageFromGoDecoder(t *testing.T) {
	dir := corpusDir(t)
	rel := "reg-test-input/pen-and-coaster.png"
	var want map[string]string
	for _, row := range readCSV(t, filepath.Join(dir, "expected.csv")) {
		if row["relative_path"] == rel {
			want = row
		}
	}
	if want == nil {
		t.Fatalf("%s not in expected.csv", rel)
	}
	data, err := os.ReadFile(filepath.Join(dir, "images", rel))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r, err := HashImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hash.String() != want["hash"] {
		t.Fatalf("%T: got %s, want %s", img, r.Hash, want["hash"])
	}
}

func writeList(t *testing.T, path string, lines ...string) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("id,hash,label\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

const bridgeHash = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

func TestMatcher(t *testing.T) {
	dir := corpusDir(t)
	list := filepath.Join(t.TempDir(), "list.csv")
	writeList(t, list, "bridge-1,"+bridgeHash+",the bridge")
	m, err := OpenMatcher([]string{list}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if th, _ := m.Get(Threshold); th != mustBounds(t, Threshold).Default {
		t.Fatalf("threshold %d", th)
	}
	r, err := HashFile(filepath.Join(dir, "images", "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	ms, gate, err := m.Match(r)
	if err != nil || gate != GateNone || len(ms) != 1 {
		t.Fatalf("bridge: %v %v %v", ms, gate, err)
	}
	if ms[0].ID != "bridge-1" || ms[0].Label != "the bridge" || ms[0].Distance != 0 ||
		ms[0].List != "list.csv" || ms[0].Dihedral != Original || ms[0].Hash != r.Hash {
		t.Fatalf("match %+v", ms[0])
	}
	// The rotated copy matches only with dihedral search and dihedral hashes.
	hs, _ := NewHasher()
	defer hs.Close()
	hs.SetDihedral(true)
	rot, err := hs.HashFile(filepath.Join(dir, "images", "reg-test-input", "dih", "bridge-2-rotate-90.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if ms, _, _ := m.Match(rot); len(ms) != 0 {
		t.Fatalf("rotated matched without dihedral search: %v", ms)
	}
	if err := m.Set(DihedralSearch, 1); err != nil {
		t.Fatal(err)
	}
	ms, _, err = m.Match(rot)
	if err != nil || len(ms) != 1 || ms[0].Dihedral == Original {
		t.Fatalf("rotated: %+v %v", ms, err)
	}
	// The library's gate: a flat image is below quality, a tiny one too small.
	flat, err := HashFile(filepath.Join(dir, "images", "reg-test-input", "labelme-subset", "q0003.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, gate, err := m.Match(flat); err != nil || gate != GateBelowQuality || gate.String() != "below_quality" {
		t.Fatalf("flat: %v %v", gate, err)
	}
	if _, gate, _ := m.Match(Result{TooSmall: true}); gate != GateTooSmall {
		t.Fatalf("too small: %v", gate)
	}
	// A bare hash has unknown quality and is never gated.
	if ms, err := m.MatchHash(flat.Hash); err != nil || ms == nil && flat.Hash == r.Hash {
		t.Fatalf("hash: %v", err)
	}
	if ms, err := m.MatchHash(r.Hash); err != nil || len(ms) != 1 {
		t.Fatalf("hash: %v %v", ms, err)
	}
	// Reload picks up the changed file; a broken file keeps the current list.
	writeList(t, list, "other,"+flat.Hash.String()+",")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	if ms, _ := m.MatchHash(r.Hash); len(ms) != 0 {
		t.Fatalf("after reload: %v", ms)
	}
	if g, _ := m.Get(Generation); g != 2 {
		t.Fatalf("generation %d", g)
	}
	writeList(t, list, "broken,not-a-hash,")
	if err := m.Reload(); !errors.Is(err, ErrListParse) {
		t.Fatalf("broken list: %v", err)
	}
	if ms, _ := m.MatchHash(flat.Hash); len(ms) != 1 {
		t.Fatalf("current list lost after a failed reload: %v", ms)
	}
	if err := m.Set(Threshold, 257); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("threshold 257: %v", err)
	}
	if Threshold.String() != "threshold" {
		t.Fatalf("param name %q", Threshold)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.MatchHash(r.Hash); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("after close: %v", err)
	}
	if _, err := OpenMatcher([]string{filepath.Join(dir, "missing.csv")}, ""); !errors.Is(err, ErrIO) {
		t.Fatalf("missing list: %v", err)
	}
}

func mustBounds(t *testing.T, p MatcherParam) Bounds {
	t.Helper()
	b, err := MatcherParamBounds(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Goroutines hash and query one Matcher while another reloads it and a shared
// Hasher serialises its callers; `go test -race` checks the binding's side.
func TestConcurrentUse(t *testing.T) {
	dir := corpusDir(t)
	list := filepath.Join(t.TempDir(), "list.csv")
	writeList(t, list, "bridge-1,"+bridgeHash+",")
	m, err := OpenMatcher([]string{list}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	hs, _ := NewHasher()
	defer hs.Close()
	path := filepath.Join(dir, "images", "bridge-mods", "shrink-a-lot.jpg")
	want, err := HashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				var r Result
				var err error
				if g%2 == 0 {
					r, err = HashFile(path)
				} else {
					r, err = hs.HashFile(path)
				}
				if err != nil || r.Hash != want.Hash {
					errs <- errors.New("wrong hash under concurrency")
					return
				}
				ms, _, err := m.Match(r)
				if err != nil || len(ms) != 1 || ms[0].ID != "bridge-1" {
					errs <- errors.New("wrong match under concurrency")
					return
				}
				if _, err := HashFile(filepath.Join(dir, "nope.jpg")); !errors.Is(err, ErrIO) {
					errs <- errors.New("error lost under concurrency")
					return
				}
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 10; i++ {
			if err := m.Reload(); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
