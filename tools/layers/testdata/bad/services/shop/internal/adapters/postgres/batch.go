// Package postgres is a fixture: an adapter that fishes its batch out of a
// context.
package postgres

import "context"

// Batch is a fixture batch.
type Batch struct{}

type batchKey struct{}

// WithBatch carries b in ctx.
func WithBatch(ctx context.Context, b *Batch) context.Context {
	return context.WithValue(ctx, batchKey{}, b)
}
