package pypi

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"requests": "requests", "Flask_SQLAlchemy": "flask-sqlalchemy", "zope.interface": "zope-interface",
		"a-._-b": "a-b", "-a-": "a", "": "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDevGroup(t *testing.T) {
	for name, want := range map[string]bool{"dev": true, "Dev": true, "tests": true, "docs": true, "lint": true, "default": false, "all": false, "security": false, "tmp": false} {
		if got := DevGroup(name); got != want {
			t.Errorf("DevGroup(%q) = %v", name, got)
		}
	}
}
