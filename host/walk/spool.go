package walk

import (
	"bytes"
	"io"
	"os"
)

// spoolMemory is how much of a file a spool keeps in memory before it moves to a temporary
// file: most binaries fit, and a large one costs disk, not memory.
const spoolMemory = 8 << 20

// spool keeps the content of one file for random access once it has streamed past, for a
// selector that wants a section of a binary (whose headers, at the end, say where it is).
// One spool serves every file of a layer in turn, so its memory is allocated once.
type spool struct {
	mem  []byte
	file *os.File
	size int64
	// rejected is set once the file turns out not to be an executable: it is not kept.
	rejected bool
}

// reset empties the spool for a file of the given size.
func (s *spool) reset(size int64) {
	s.Close()
	if want := int(min(size, spoolMemory)); cap(s.mem) < want {
		s.mem = make([]byte, 0, want)
	}
	s.mem, s.size, s.rejected = s.mem[:0], 0, false
}

func (s *spool) Write(p []byte) error {
	if s.file == nil && len(s.mem)+len(p) <= spoolMemory {
		s.mem = append(s.mem, p...)
		s.size += int64(len(p))
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "trawl-spool-*")
		if err != nil {
			return err
		}
		// Unlinked at once: the file goes away with its descriptor, even if trawl is killed.
		os.Remove(f.Name())
		if _, err := f.Write(s.mem); err != nil {
			f.Close()
			return err
		}
		s.file, s.mem = f, s.mem[:0]
	}
	if _, err := s.file.Write(p); err != nil {
		return err
	}
	s.size += int64(len(p))
	return nil
}

func (s *spool) ReaderAt() io.ReaderAt {
	if s.file != nil {
		return s.file
	}
	return bytes.NewReader(s.mem)
}

// Close removes the temporary file, if any; the memory is kept for the next file.
func (s *spool) Close() {
	if s.file != nil {
		s.file.Close()
	}
	s.file = nil
}
