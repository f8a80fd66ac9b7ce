package jsonwalk

import (
	"fmt"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	data := "{\n  \"a\": 1,\n\n  \"b\": {\"c\": [1, {\"d\": 2}],\n    \"e\": \"x\"},\n  \"f\": null\n}\n"
	w := New("f.json", "test file", []byte(data))
	var got []string
	err := w.Top(func(key string, line int) error {
		got = append(got, fmt.Sprintf("%s:%d", key, line))
		if key != "b" {
			return w.Skip()
		}
		_, _, err := w.Object(func(key string, line int) error {
			got = append(got, fmt.Sprintf("%s:%d", key, line))
			if key == "e" {
				s, _, ok, err := w.String()
				got = append(got, fmt.Sprintf("%q %v", s, ok))
				return err
			}
			return w.Skip()
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `a:2 b:4 c:4 e:5 "x" true f:6`; strings.Join(got, " ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, " "), want)
	}
}
