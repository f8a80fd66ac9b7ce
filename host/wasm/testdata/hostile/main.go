// Command hostile is a test analyzer that speaks ABI v1 directly, without the SDK, so that it
// can misbehave in every way the host must survive. What it does depends on the base name of
// the file it is given.
package main

import (
	"os"
	"strings"
	"unsafe"
)

var (
	buffers = map[uint32][]byte{}
	path    string
	// behaviour is the base name of the path: what to do wrong.
	behaviour string
	hoard     [][]byte
	abi       uint32 = 1 << 16
	// sink keeps the spin loop from being optimised away.
	sink uint64
)

//go:wasmimport trawl output
func output(ptr, size uint32) uint32

func emit(s string) uint32 {
	if s == "" {
		return 0
	}
	b := []byte(s)
	return output(uint32(uintptr(unsafe.Pointer(&b[0]))), uint32(len(b)))
}

//go:wasmexport trawl_abi_version
func abiVersion() uint32 {
	if os.Getenv("X") != "" { // never set: the host grants no environment
		return 0
	}
	return abi
}

//go:wasmexport trawl_malloc
func malloc(size uint32) uint32 {
	b := make([]byte, max(size, 1))
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	buffers[p] = b
	return p
}

//go:wasmexport trawl_free
func free(p uint32) { delete(buffers, p) }

//go:wasmexport trawl_analyze_begin
func begin(ptr, size uint32) uint32 {
	req := string(unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), size))
	i := strings.Index(req, `"path":"`)
	path = req[i+8:]
	path = path[:strings.IndexByte(path, '"')]
	behaviour = path[strings.LastIndexByte(path, '/')+1:]
	if behaviour == "loop-begin" {
		for {
		}
	}
	return 0
}

//go:wasmexport trawl_analyze_chunk
func chunk(ptr, size uint32) uint32 {
	if behaviour == "loop-chunk" {
		for {
		}
	}
	return 0
}

//go:wasmexport trawl_analyze_end
func end() uint32 {
	switch behaviour {
	case "loop":
		for {
		}
	case "spin":
		// Busy for seconds, then done: a call that outlives a short deadline but ends (the
		// guest has no clock to measure it by).
		for i := uint64(0); i < 1e9; i++ {
			sink += i ^ sink>>3
		}
		emit(`{"packages":[{"name":"spun","version":"1","type":"x"}]}`)
		return 0
	case "oom":
		for {
			hoard = append(hoard, make([]byte, 8<<20))
		}
	case "panic":
		panic("hostile panic")
	case "exit":
		os.Exit(7)
	case "garbage":
		emit("}{ this is not JSON")
		return 0
	case "invalid":
		emit(`{"packages":[{"name":"","version":"1","type":"x"}]}`)
		return 0
	case "control":
		emit(`{"packages":[{"name":"evil\u001b[2Jname","version":"1","type":"x"}]}`)
		return 0
	case "flood":
		block := strings.Repeat("x", 1<<20)
		for emit(block) == 0 {
		}
		return 0
	case "badptr":
		output(0xfffffff0, 4096)
		return 0
	case "status":
		return 77
	case "error":
		emit("the plugin reports an error")
		return 1
	case "stderr":
		for i := 0; i < 2000; i++ {
			os.Stderr.WriteString("noise noise noise noise noise noise noise noise\n")
		}
	}
	emit(`{"packages":[{"name":"` + path + `","version":"1.0","type":"generic"}]}`)
	return 0
}

// confirmSecrets misbehaves by the path of the request, with the raw secrets it was handed:
// "leak" writes them to stderr, split across writes, and fails with them in its message;
// "short" gives too few verdicts; "loop" never returns; anything else confirms all.
//
//go:wasmexport trawl_confirm_secrets
func confirmSecrets(ptr, size uint32) uint32 {
	req := string(unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), size))
	field := func(name string) string {
		i := strings.Index(req, `"`+name+`":"`)
		if i < 0 {
			return ""
		}
		v := req[i+len(name)+4:]
		return v[:strings.IndexByte(v, '"')]
	}
	n := strings.Count(req, `"rule_id"`)
	switch field("path") {
	case "leak":
		secret := field("secret")
		half := len(secret) / 2
		os.Stderr.WriteString("got " + secret[:half])
		os.Stderr.WriteString(secret[half:] + " to confirm\n")
		os.Stderr.WriteString("unfinished line with " + secret)
		emit("cannot confirm " + secret)
		return 1
	case "short":
		n--
	case "loop":
		for {
		}
	}
	v := make([]string, n)
	for i := range v {
		v[i] = `{"confirmed":true,"note":"checked"}`
	}
	emit(`{"verdicts":[` + strings.Join(v, ",") + `]}`)
	return 0
}

func main() {}
