package schemas

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// maxShown caps how many fields an error message names, to keep log lines
// and dead-letter reasons short.
const maxShown = 3

// printer renders the library's error kinds in English.
var printer = message.NewPrinter(language.English)

// FieldError is one failing field of a payload.
type FieldError struct {
	// Pointer is the JSON pointer (RFC 6901) of the field, "" for the payload itself.
	Pointer string
	// Message says what is wrong, e.g. "minimum: got 0, want 1".
	Message string
}

// ValidationError is a payload that breaks its schema. Fields is sorted by
// pointer and never empty.
type ValidationError struct {
	Fields []FieldError
}

// Error names up to three failing fields: "/items/0/quantity: minimum: got 0, want 1".
func (e *ValidationError) Error() string {
	parts := make([]string, 0, maxShown+1)
	for i, f := range e.Fields {
		if i == maxShown {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Fields)-maxShown))
			break
		}
		ptr := f.Pointer
		if ptr == "" {
			ptr = "(payload)"
		}
		parts = append(parts, ptr+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}

// newValidationError flattens the library's error tree to its leaves.
func newValidationError(err error) error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("validate: %w", err)
	}
	var fields []FieldError
	collect(ve, &fields)
	if len(fields) == 0 {
		fields = []FieldError{{Pointer: pointer(ve.InstanceLocation), Message: ve.ErrorKind.LocalizedString(printer)}}
	}
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Pointer < fields[j].Pointer })
	return &ValidationError{Fields: fields}
}

// collect appends the leaves of the tree; a missing required property is
// reported at the property's own pointer so the message names the field.
func collect(ve *jsonschema.ValidationError, out *[]FieldError) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collect(c, out)
		}
		return
	}
	if req, ok := ve.ErrorKind.(*kind.Required); ok {
		for _, name := range req.Missing {
			loc := append(append([]string{}, ve.InstanceLocation...), name)
			*out = append(*out, FieldError{Pointer: pointer(loc), Message: "required field missing"})
		}
		return
	}
	*out = append(*out, FieldError{Pointer: pointer(ve.InstanceLocation), Message: ve.ErrorKind.LocalizedString(printer)})
}

// pointer renders tokens as an RFC 6901 JSON pointer.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return sb.String()
}
