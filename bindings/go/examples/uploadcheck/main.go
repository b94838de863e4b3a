// Command uploadcheck is a tiny HTTP upload check over pdqguard, standard
// library only: POST an image to /check (the raw body, or the "file" field of a
// multipart/form-data form) and it answers JSON
//
//	{"blocked":true,"gate":"none","hash":"f8f8...","quality":100,
//	 "matches":[{"list":"list.csv","id":"bridge-1","label":"","distance":0}]}
//
// A gate other than "none" (too_small, below_quality) means the image cannot be
// judged. Errors answer {"error":"<C status name>","message":"..."}: 413 for
// image_too_large/file_too_large or a body above -max-bytes, 422 for what is
// not a decodable image, 405 for other methods, 500 otherwise.
//
//	go run ./examples/uploadcheck -list list.csv -addr 127.0.0.1:8080
//	curl --data-binary @photo.jpg http://127.0.0.1:8080/check
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"mime"
	"net/http"
	"strings"

	"pdqguard"
)

type matchJSON struct {
	List     string `json:"list"`
	ID       string `json:"id"`
	Label    string `json:"label"`
	Distance int    `json:"distance"`
}

type answer struct {
	Blocked bool        `json:"blocked"`
	Gate    string      `json:"gate"`
	Hash    string      `json:"hash"`
	Quality int         `json:"quality"`
	Matches []matchJSON `json:"matches"`
}

type failure struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// httpStatus is the HTTP answer to a pdqguard error.
func httpStatus(err error) int {
	switch {
	case errors.Is(err, pdqguard.ErrImageTooLarge), errors.Is(err, pdqguard.ErrFileTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, pdqguard.ErrUnsupportedFormat), errors.Is(err, pdqguard.ErrDecode),
		errors.Is(err, pdqguard.ErrTruncatedInput):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// readUpload returns the uploaded bytes: the body, or a multipart form's "file".
func readUpload(r *http.Request) ([]byte, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "multipart/") {
		return io.ReadAll(r.Body)
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// newHandler checks uploads of at most maxBytes against m.
func newHandler(m *pdqguard.Matcher, maxBytes int64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/check", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			reply(w, http.StatusMethodNotAllowed, failure{"method_not_allowed", "POST an image"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		data, err := readUpload(r)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			reply(w, http.StatusRequestEntityTooLarge, failure{"file_too_large", err.Error()})
			return
		} else if err != nil {
			reply(w, http.StatusBadRequest, failure{"bad_request", err.Error()})
			return
		}
		res, err := pdqguard.HashBytes(data)
		var matches []pdqguard.Match
		var gate pdqguard.Gate
		if err == nil {
			matches, gate, err = m.Match(res)
		}
		var pe *pdqguard.Error
		if errors.As(err, &pe) {
			reply(w, httpStatus(err), failure{pe.Status.Name(), pe.Message})
			return
		} else if err != nil {
			reply(w, http.StatusInternalServerError, failure{"internal_error", err.Error()})
			return
		}
		a := answer{Blocked: len(matches) > 0, Gate: gate.String(), Hash: res.Hash.String(),
			Quality: res.Quality, Matches: []matchJSON{}}
		for _, mt := range matches {
			a.Matches = append(a.Matches, matchJSON{mt.List, mt.ID, mt.Label, mt.Distance})
		}
		reply(w, http.StatusOK, a)
	})
	return mux
}

func main() {
	list := flag.String("list", "", "hash list file (CSV with a hash column, or one hex hash a line)")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	maxBytes := flag.Int64("max-bytes", 32<<20, "largest upload accepted")
	flag.Parse()
	m, err := pdqguard.OpenMatcher([]string{*list}, "")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	log.Printf("%d entries; listening on http://%s/check", func() int64 {
		n, _ := m.Get(pdqguard.Entries)
		return n
	}(), *addr)
	log.Fatal(http.ListenAndServe(*addr, newHandler(m, *maxBytes)))
}
