package pdqguard

import "testing"

// Per-call cost of the binding (`go test -run '^$' -bench .`; not run by CTest):
// a 512x512 gray frame in memory, and a 4x4 one, which the library answers at
// once (too small) so the time is almost all call overhead (cgo, the shim, the
// result copy). Figures in bench/README.md.
func benchFrame(b *testing.B, w, h int) {
	pix := make([]byte, w*h)
	for i := range pix {
		pix[i] = byte(i*7 + i/w)
	}
	f := Frame{Format: Gray8, Width: w, Height: h, Planes: [3][]byte{pix}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := HashFrame(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashFrameGray512(b *testing.B) { benchFrame(b, 512, 512) }
func BenchmarkHashFrameGray4(b *testing.B)   { benchFrame(b, 4, 4) }
