package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"pdqguard"
)

func corpus(t *testing.T) string {
	dir := os.Getenv("PDQGUARD_CORPUS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "tests", "data")
	}
	return filepath.Join(dir, "images")
}

func post(t *testing.T, url, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// Posts images to the handler over a real (loopback) HTTP server.
func TestUploadCheck(t *testing.T) {
	img := corpus(t)
	list := filepath.Join(t.TempDir(), "list.csv")
	os.WriteFile(list, []byte("id,hash\nbridge-1,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n"), 0o644)
	m, err := pdqguard.OpenMatcher([]string{list}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	srv := httptest.NewServer(newHandler(m, 1<<20))
	defer srv.Close()
	url := srv.URL + "/check"

	listed, err := os.ReadFile(filepath.Join(img, "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	code, out := post(t, url, "image/jpeg", listed)
	matches, _ := out["matches"].([]any)
	if code != 200 || out["blocked"] != true || out["gate"] != "none" || len(matches) != 1 ||
		matches[0].(map[string]any)["id"] != "bridge-1" || matches[0].(map[string]any)["distance"] != 0.0 {
		t.Fatalf("listed image: %d %v", code, out)
	}

	clean, _ := os.ReadFile(filepath.Join(img, "reg-test-input", "pen-and-coaster.png"))
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, _ := mw.CreateFormFile("file", "pen.png")
	part.Write(clean)
	mw.Close()
	if code, out := post(t, url, mw.FormDataContentType(), form.Bytes()); code != 200 ||
		out["blocked"] != false || out["gate"] != "none" {
		t.Fatalf("clean image (multipart): %d %v", code, out)
	}

	flat, _ := os.ReadFile(filepath.Join(img, "reg-test-input", "labelme-subset", "q0003.jpg"))
	if code, out := post(t, url, "image/jpeg", flat); code != 200 || out["gate"] != "below_quality" {
		t.Fatalf("flat image: %d %v", code, out)
	}
	if code, out := post(t, url, "text/plain", []byte("not an image")); code != 422 ||
		out["error"] != "unsupported_format" {
		t.Fatalf("text: %d %v", code, out)
	}
	if code, out := post(t, url, "image/jpeg", listed[:300]); code != 422 || out["error"] == nil {
		t.Fatalf("truncated JPEG: %d %v", code, out)
	}
	if code, out := post(t, url, "image/jpeg", make([]byte, 2<<20)); code != 413 ||
		out["error"] != "file_too_large" {
		t.Fatalf("oversized: %d %v", code, out)
	}
	resp, err := http.Get(url)
	if err != nil || resp.StatusCode != 405 {
		t.Fatalf("GET: %v %v", resp, err)
	}
	resp.Body.Close()
}
