// Command trawl scans container images and source trees for vulnerable packages and leaked
// secrets, with analyzers and report formatters that run as sandboxed WebAssembly plugins.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
