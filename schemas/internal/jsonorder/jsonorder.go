// Package jsonorder decodes JSON objects keeping the order of their keys, so
// that generated code and docs list fields in the order the schema does.
package jsonorder

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Object is a JSON object that remembers the order of its keys. Values are
// *Object, []any, string, json.Number, bool or nil.
type Object struct {
	keys []string
	vals map[string]any
}

// Get returns the value of key, nil if absent or o is nil.
func (o *Object) Get(key string) any {
	if o == nil {
		return nil
	}
	return o.vals[key]
}

// Keys returns the keys in document order; none for a nil object.
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	return o.keys
}

// Str returns the string value of key, "" if absent or not a string.
func (o *Object) Str(key string) string {
	s, _ := o.Get(key).(string)
	return s
}

// Obj returns the object value of key, nil if absent or not an object.
func (o *Object) Obj(key string) *Object {
	v, _ := o.Get(key).(*Object)
	return v
}

// Parse decodes raw JSON whose top level is an object.
func Parse(raw []byte) (*Object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*Object)
	if !ok {
		return nil, fmt.Errorf("schema is not an object")
	}
	return o, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		return decodeObject(dec)
	case json.Delim('['):
		var arr []any
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}

func decodeObject(dec *json.Decoder) (*Object, error) {
	o := &Object{vals: map[string]any{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		v, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := o.vals[key]; !dup {
			o.keys = append(o.keys, key)
		}
		o.vals[key] = v
	}
	_, err := dec.Token()
	return o, err
}
