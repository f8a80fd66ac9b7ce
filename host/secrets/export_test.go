package secrets

// Hooks for the external tests (package secrets_test), which import the real rule set.

// BenchTree is benchTree, for the benchmarks over the real rules.
func BenchTree(dense bool) (paths []string, files [][]byte, planted int) { return benchTree(dense) }

// Reach returns, for each rule scanned by regions, how far around a keyword hit [start, end) its
// regions reach: [start-lo, end+hi).
func Reach(e *Engine) map[string][2]int {
	m := map[string][2]int{}
	for _, r := range e.rules {
		if r.regional {
			m[r.id] = [2]int{r.lo, r.hi}
		}
	}
	return m
}

// WholeWindows returns an engine with e's rules that runs every regex over whole windows:
// the reference for region scanning.
func WholeWindows(e *Engine) *Engine {
	return &Engine{rules: e.rules, pf: e.pf, window: e.window, overlap: e.overlap, whole: true}
}

// SetWindow shrinks e's windows.
func SetWindow(e *Engine, window, overlap int) { e.window, e.overlap = window, overlap }

// Modes returns how each rule's regex runs in a window without spoilers: "anchored",
// "regional" or "whole".
func Modes(e *Engine) map[string]string {
	m := map[string]string{}
	l := e.lists(nil)
	for i, r := range e.rules {
		m[r.id] = [...]string{modeWhole: "whole", modeRegional: "regional", modeAnchored: "anchored"}[l.mode[i]]
	}
	return m
}
