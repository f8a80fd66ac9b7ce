package db

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/trawlscan/trawl/host/db/osvschema"
)

var (
	osvSchemaOnce sync.Once
	osvSchema     *jsonschema.Schema
	osvSchemaErr  error
)

func compiledOSVSchema() (*jsonschema.Schema, error) {
	osvSchemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(osvschema.JSON))
		if err != nil {
			osvSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("osv-schema.json", doc); err != nil {
			osvSchemaErr = err
			return
		}
		osvSchema, osvSchemaErr = c.Compile("osv-schema.json")
	})
	return osvSchema, osvSchemaErr
}

// validateOSV checks one OSV document against the OSV schema. The error lists what is wrong,
// on one line.
func validateOSV(raw []byte) error {
	sch, err := compiledOSVSchema()
	if err != nil {
		return fmt.Errorf("osv schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := sch.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("%s", flatten(ve))
		}
		return err
	}
	return nil
}

var printer = message.NewPrinter(language.English)

// flatten renders the leaves of a validation error as "at /path: message; ...".
func flatten(ve *jsonschema.ValidationError) string {
	var parts []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "/" + strings.Join(e.InstanceLocation, "/")
			parts = append(parts, fmt.Sprintf("at %s: %s", loc, strings.TrimSpace(e.ErrorKind.LocalizedString(printer))))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(parts) > 5 {
		parts = append(parts[:5], fmt.Sprintf("and %d more", len(parts)-5))
	}
	return strings.Join(parts, "; ")
}
