// Package hold orders the results of the rpm database readers (bdb, ndb): it holds back the
// per-package errors met before the first header blob, so that a first error means the file
// as a whole is unreadable.
package hold

// MaxHeld is the most per-package errors a Holder holds back while no blob has come.
const MaxHeld = 64

// Holder passes yields on, except that it holds back the per-package errors met before the
// first blob and yields them right after it. A first error then means what the contract
// of Headers says, that the file as a whole is unreadable, unless no package can be read
// at all or more than MaxHeld are damaged before the first that can: then the held
// errors go out first, and a caller that judges the file by its first error rightly
// gives up on it.
type Holder struct {
	yield func([]byte, error) bool
	held  []error
	open  bool // a blob has been yielded, or holding was given up: pass everything on
}

// New returns a Holder that passes what it is given on to yield.
func New(yield func([]byte, error) bool) *Holder {
	return &Holder{yield: yield}
}

// Put is the yield function to hand the readers.
func (h *Holder) Put(blob []byte, err error) bool {
	if h.open {
		return h.yield(blob, err)
	}
	if err != nil {
		h.held = append(h.held, err)
		if len(h.held) < MaxHeld {
			return true
		}
		return h.Flush()
	}
	h.open = true
	return h.yield(blob, nil) && h.Flush()
}

// Flush yields the held errors and stops holding. Call it at the end of the iteration.
func (h *Holder) Flush() bool {
	h.open = true
	held := h.held
	h.held = nil
	for _, err := range held {
		if !h.yield(nil, err) {
			return false
		}
	}
	return true
}
