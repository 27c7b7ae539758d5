package service_test

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sortedByOrder compares listings regardless of order, for payments created
// within the same instant.
func sortedByOrder() cmp.Option {
	return cmpopts.SortSlices(func(a, b payment) bool { return a.OrderID < b.OrderID })
}
