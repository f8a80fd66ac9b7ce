package ndb

// maxHeld is the most per-package errors Headers holds back while no blob has come.
const maxHeld = 64

// holder passes yields on, except that it holds back the per-package errors met before the
// first blob and yields them right after it. A first error then means what the contract
// of Headers says, that the file as a whole is unreadable, unless no package can be read
// at all or more than maxHeld are damaged before the first that can: then the held
// errors go out first, and a caller that judges the file by its first error rightly
// gives up on it.
type holder struct {
	yield func([]byte, error) bool
	held  []error
	open  bool // a blob has been yielded, or holding was given up: pass everything on
}

// put is the yield function to hand the readers.
func (h *holder) put(blob []byte, err error) bool {
	if h.open {
		return h.yield(blob, err)
	}
	if err != nil {
		h.held = append(h.held, err)
		if len(h.held) < maxHeld {
			return true
		}
		return h.flush()
	}
	h.open = true
	return h.yield(blob, nil) && h.flush()
}

// flush yields the held errors and stops holding. Call it at the end of the iteration.
func (h *holder) flush() bool {
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
