package main

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
)

// The OTLP field numbers spanNames reads: ExportTraceServiceRequest's
// resource_spans, ResourceSpans' resource and scope_spans, Resource's
// attributes, KeyValue's key and value, AnyValue's string_value,
// ScopeSpans' spans and Span's name.
const (
	fieldResourceSpans = 1
	fieldResource      = 1
	fieldScopeSpans    = 2
	fieldAttributes    = 1
	fieldKey           = 1
	fieldValue         = 2
	fieldStringValue   = 1
	fieldSpans         = 2
	fieldSpanName      = 5
)

var errMalformed = errors.New("malformed OTLP message")

// spanNames calls f with the service and name of every span in an OTLP
// export request, reading the protobuf in place: decoding whole messages
// would make the sink cost the shared cores more than it must.
func spanNames(b []byte, f func(service, name []byte)) error {
	return fields(b, func(num protowire.Number, v []byte) error {
		if num != fieldResourceSpans {
			return nil
		}
		var service []byte
		var names [][]byte
		err := fields(v, func(num protowire.Number, v []byte) error {
			switch num {
			case fieldResource:
				service = serviceName(v)
			case fieldScopeSpans:
				return fields(v, func(num protowire.Number, v []byte) error {
					if num == fieldSpans {
						names = append(names, field(v, fieldSpanName))
					}
					return nil
				})
			}
			return nil
		})
		for _, n := range names {
			f(service, n)
		}
		return err
	})
}

// serviceName is the service.name attribute of an OTLP Resource.
func serviceName(resource []byte) []byte {
	var name []byte
	_ = fields(resource, func(num protowire.Number, kv []byte) error {
		if num == fieldAttributes && string(field(kv, fieldKey)) == "service.name" {
			name = field(field(kv, fieldValue), fieldStringValue)
		}
		return nil
	})
	return name
}

// field is the bytes of the length-delimited field num of message b, nil
// when it has none.
func field(b []byte, num protowire.Number) []byte {
	var out []byte
	_ = fields(b, func(n protowire.Number, v []byte) error {
		if n == num {
			out = v
		}
		return nil
	})
	return out
}

// fields calls f with every length-delimited field of message b and skips
// the others.
func fields(b []byte, f func(num protowire.Number, v []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errMalformed
		}
		b = b[n:]
		if typ != protowire.BytesType {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return errMalformed
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return errMalformed
		}
		if err := f(num, v); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
