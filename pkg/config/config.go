// Package config reads a service's configuration from environment variables
// with one prefix per service, so the launcher, compose and Kubernetes all
// configure a service the same way.
package config

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Load parses the environment variables that start with prefix (for example
// "ORDER_") into dst, a pointer to a struct with caarlos0/env tags.
func Load(prefix string, dst any) error {
	if err := env.ParseWithOptions(dst, env.Options{Prefix: prefix}); err != nil {
		return fmt.Errorf("load %sconfiguration: %w", prefix, err)
	}
	return nil
}

// LogValue renders cfg for a start-up log line. Fields tagged secret:"true"
// are masked so that secrets never reach a log; the fields of an embedded
// struct are listed as the struct's own.
func LogValue(cfg any) slog.Value {
	v := reflect.Indirect(reflect.ValueOf(cfg))
	if v.Kind() != reflect.Struct {
		return slog.AnyValue(cfg)
	}
	t := v.Type()
	attrs := make([]slog.Attr, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			// An embedded struct (startup.Common) is part of the
			// service's own settings: its fields are listed inline.
			attrs = append(attrs, LogValue(v.Field(i).Interface()).Group()...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if name == "" {
			name = f.Name
		}
		attrs = append(attrs, slog.Any(name, fieldValue(f, v.Field(i))))
	}
	return slog.GroupValue(attrs...)
}

func fieldValue(f reflect.StructField, v reflect.Value) any {
	if f.Tag.Get("secret") != "true" {
		if v.Kind() == reflect.Struct && f.Type.PkgPath() != "time" {
			return LogValue(v.Interface())
		}
		return v.Interface()
	}
	if v.IsZero() {
		return ""
	}
	return "*****"
}
