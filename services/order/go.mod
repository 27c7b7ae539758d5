module github.com/eventshop/eventshop/services/order

go 1.26.0

require (
	github.com/eventshop/eventshop/pkg v0.0.0
	github.com/eventshop/eventshop/schemas v0.0.0
	github.com/google/go-cmp v0.7.0
	github.com/google/uuid v1.6.0
)

replace (
	github.com/eventshop/eventshop/pkg => ../../pkg
	github.com/eventshop/eventshop/schemas => ../../schemas
	github.com/eventshop/eventshop/testkit => ../../testkit
)
