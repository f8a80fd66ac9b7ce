package native

// PID is the plugin process's id.
func (p *Plugin) PID() int { return p.pid() }
