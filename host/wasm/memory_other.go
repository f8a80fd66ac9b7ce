//go:build !(linux || darwin || freebsd)

package wasm

import "github.com/tetratelabs/wazero/experimental"

// memoryAllocator is wazero's default elsewhere.
func memoryAllocator() experimental.MemoryAllocator { return nil }
