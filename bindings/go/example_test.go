package pdqguard_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"pdqguard"
)

var data = filepath.Join("..", "..", "tests", "data", "images")

// Hash a file and print its hash and quality.
func ExampleHashFile() {
	r, err := pdqguard.HashFile(filepath.Join(data, "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Hash, r.Quality)
	// Output: f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 100
}

// Errors carry the C API's status: test them with errors.Is.
func ExampleErrDecode() {
	_, err := pdqguard.HashBytes([]byte("\xff\xd8\xff\xe0 not really a JPEG"))
	fmt.Println(errors.Is(err, pdqguard.ErrDecode))
	// Output: true
}

func ExampleHash_Distance() {
	a, _ := pdqguard.ParseHash("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
	b, _ := pdqguard.ParseHash("d0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22")
	fmt.Println(a.Distance(b))
	// Output: 16
}

// Match uploads against a blocklist; the gate tells a flat image from a clean one.
func ExampleMatcher() {
	list := filepath.Join(os.TempDir(), "pdqguard-example-list.csv")
	os.WriteFile(list, []byte("id,hash,label\n"+
		"bridge-1,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,demo\n"), 0o644)
	defer os.Remove(list)
	m, err := pdqguard.OpenMatcher([]string{list}, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	for _, name := range []string{"bridge-mods/shrink-a-lot.jpg", "reg-test-input/labelme-subset/q0003.jpg"} {
		r, err := pdqguard.HashFile(filepath.Join(data, name))
		if err != nil {
			fmt.Println(err)
			continue
		}
		matches, gate, err := m.Match(r)
		switch {
		case err != nil:
			fmt.Println(name, err)
		case gate != pdqguard.GateNone:
			fmt.Println(name, "not judged:", gate)
		default:
			for _, hit := range matches {
				fmt.Println(name, "blocked by", hit.ID, "at distance", hit.Distance)
			}
		}
	}
	// Output:
	// bridge-mods/shrink-a-lot.jpg blocked by bridge-1 at distance 16
	// reg-test-input/labelme-subset/q0003.jpg not judged: below_quality
}
