module example.com/trawl-junit

go 1.26.8

require github.com/trawlscan/trawl/sdk v0.0.0-00010101000000-000000000000

// Inside the trawl repository the example builds against the SDK beside it. A plugin of your
// own requires a released SDK instead (go get github.com/trawlscan/trawl/sdk@latest) and has
// no replace directive.
replace github.com/trawlscan/trawl/sdk => ../..
