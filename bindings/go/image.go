package pdqguard

import (
	"image"
	"image/draw"
)

// HashImage hashes an image.Image held in memory. Its pixels are handed to
// the C API without conversion where a pdqg_format describes them:
// *image.Gray as Gray8, *image.RGBA and *image.NRGBA as RGBA8 (alpha is
// ignored, as the C API does; *image.RGBA's samples are premultiplied, as Go
// stores them), *image.YCbCr as I420 (its Y plane is the luma; the chroma planes are
// passed for 4:2:0 and left out for other subsamplings, as only luma is read).
// Any other image is first drawn into an *image.NRGBA (8 bits per sample,
// non-premultiplied) by the standard library. Safe for concurrent use.
func HashImage(img image.Image) (Result, error) { return hashImage(nil, img) }

func hashImage(h *Hasher, img image.Image) (Result, error) {
	f := imageFrame(img)
	if h == nil {
		return HashFrame(f)
	}
	return h.HashFrame(f)
}

// imageFrame describes img's own pixel memory as a Frame (no copy when Go's
// layout is a pdqg_format).
func imageFrame(img image.Image) Frame {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return Frame{Format: Gray8, Width: b.Dx(), Height: b.Dy(),
			Planes: [3][]byte{tail(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), b)}, Strides: [3]int{m.Stride}}
	case *image.RGBA:
		return Frame{Format: RGBA8, Width: b.Dx(), Height: b.Dy(),
			Planes: [3][]byte{tail(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), b)}, Strides: [3]int{m.Stride}}
	case *image.NRGBA:
		return Frame{Format: RGBA8, Width: b.Dx(), Height: b.Dy(),
			Planes: [3][]byte{tail(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), b)}, Strides: [3]int{m.Stride}}
	case *image.YCbCr:
		f := Frame{Format: I420, Width: b.Dx(), Height: b.Dy(),
			Planes: [3][]byte{tail(m.Y, m.YOffset(b.Min.X, b.Min.Y), b)}, Strides: [3]int{m.YStride}}
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min.X%2 == 0 && b.Min.Y%2 == 0 {
			off := m.COffset(b.Min.X, b.Min.Y)
			f.Planes[1], f.Planes[2] = tail(m.Cb, off, b), tail(m.Cr, off, b)
			f.Strides[1], f.Strides[2] = m.CStride, m.CStride
		}
		return f
	}
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Bounds(), img, b.Min, draw.Src)
	return imageFrame(n)
}

// tail is pix[off:], or nil for an empty image (the C API then refuses the
// size, as it should).
func tail(pix []byte, off int, b image.Rectangle) []byte {
	if b.Empty() || off < 0 || off > len(pix) {
		return nil
	}
	return pix[off:]
}
