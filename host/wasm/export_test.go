package wasm

import "context"

// Instantiate starts one instance of p and returns a function that closes it.
func Instantiate(ctx context.Context, p *Plugin) (func(), error) {
	if _, err := p.Compile(ctx); err != nil {
		return nil, err
	}
	in, err := p.instantiate(ctx)
	if err != nil {
		return nil, err
	}
	return in.close, nil
}

// EmptyCaller returns a function that calls trawl_abi_version on one instance, the cheapest
// call there is, to measure the cost of crossing into the guest.
func EmptyCaller(ctx context.Context, p *Plugin) (func() error, func(), error) {
	if _, err := p.Compile(ctx); err != nil {
		return nil, nil, err
	}
	in, err := p.instantiate(ctx)
	if err != nil {
		return nil, nil, err
	}
	fn := in.fns["trawl_abi_version"]
	return func() error { _, err := fn.Call(ctx); return err }, in.close, nil
}

// Abandoned returns how many calls of p were abandoned at their deadline and still run.
func Abandoned(p *Plugin) int32 { return p.abandoned.Load() }

// Idle returns how many instances of p wait for a call.
func Idle(p *Plugin) int { return len(p.idle) }
