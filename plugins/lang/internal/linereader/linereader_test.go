package linereader

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLimit(t *testing.T) {
	data, err := io.ReadAll(Limit(iotest.OneByteReader(strings.NewReader("abcd")), 4))
	if err != nil || string(data) != "abcd" {
		t.Errorf("at the limit: %q %v", data, err)
	}
	_, err = io.ReadAll(Limit(strings.NewReader("abcde"), 4))
	var tl *TooLarge
	if !errors.As(err, &tl) || tl.Max != 4 {
		t.Errorf("past the limit: %v", err)
	}
}

func TestLines(t *testing.T) {
	l := New("f", strings.NewReader("\ufeffa\r\nbcdefghij\nc"), 16, 100)
	var got []string
	for {
		line, long, ok := l.Next()
		if !ok {
			break
		}
		if long {
			line += "…"
		}
		got = append(got, line)
	}
	if strings.Join(got, "|") != "a|bcdefghij|c" {
		t.Errorf("lines %q", got)
	}
	if l.Err() != nil || l.No() != 3 {
		t.Errorf("end: %v, line %d", l.Err(), l.No())
	}
	l = New("f", strings.NewReader(strings.Repeat("x\n", 10)), 16, 5)
	for _, _, ok := l.Next(); ok; _, _, ok = l.Next() {
	}
	if l.Err() == nil || l.Err().Error() != "f: larger than 5 bytes, not read" {
		t.Errorf("past the limit: %v", l.Err())
	}
}
