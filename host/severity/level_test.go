package severity

import (
	"encoding/json"
	"testing"
)

func TestLevelString(t *testing.T) {
	want := []string{"UNKNOWN", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
	for i, w := range want {
		if got := Level(i).String(); got != w {
			t.Errorf("Level(%d) = %q, want %q", i, got, w)
		}
	}
	if got := Level(42).String(); got != "Level(42)" {
		t.Errorf("Level(42) = %q", got)
	}
	// The order is part of the API: callers filter with >=.
	if !(Unknown < Negligible && Negligible < Low && Low < Medium && Medium < High && High < Critical) {
		t.Error("levels out of order")
	}
}

func TestParseLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Level
	}{
		{"CRITICAL", Critical}, {"critical", Critical},
		{"HIGH", High}, {" High ", High}, {"important", High}, {"Important", High},
		{"MEDIUM", Medium}, {"medium", Medium}, {"MODERATE", Medium}, {"moderate", Medium},
		{"LOW", Low}, {"low", Low},
		{"negligible", Negligible}, {"NEGLIGIBLE", Negligible}, {"unimportant", Negligible}, {"none", Negligible}, {"NONE", Negligible},
		{"unknown", Unknown}, {"UNKNOWN", Unknown}, {"", Unknown}, {"untriaged", Unknown},
		{"not yet assigned", Unknown}, {"Not Yet Assigned", Unknown}, {"unassigned", Unknown},
	} {
		got, err := ParseLevel(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"severe", "5", "hi", "med", "critical!"} {
		got, err := ParseLevel(in)
		if err == nil || got != Unknown {
			t.Errorf("ParseLevel(%q) = %v, %v; want Unknown and an error", in, got, err)
		}
	}
}

func TestLevelText(t *testing.T) {
	type doc struct{ L Level }
	b, err := json.Marshal(doc{High})
	if err != nil || string(b) != `{"L":"HIGH"}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
	for in, want := range map[string]Level{`{"L":"HIGH"}`: High, `{"L":"moderate"}`: Medium, `{"L":""}`: Unknown} {
		var d doc
		if err := json.Unmarshal([]byte(in), &d); err != nil || d.L != want {
			t.Errorf("unmarshal %s: %v, %v; want %v", in, d.L, err, want)
		}
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"L":"severe"}`), &d); err == nil {
		t.Error("unmarshal of an unknown level: no error")
	}
	if _, err := json.Marshal(doc{Level(42)}); err == nil {
		t.Error("marshal of an invalid level: no error")
	}
}
