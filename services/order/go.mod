module github.com/eventshop/eventshop/services/order

go 1.26.0

require (
	github.com/eventshop/eventshop/pkg v0.0.0
	github.com/eventshop/eventshop/schemas v0.0.0
	github.com/google/go-cmp v0.7.0
	github.com/google/uuid v1.6.0
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.12.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)

replace (
	github.com/eventshop/eventshop/pkg => ../../pkg
	github.com/eventshop/eventshop/schemas => ../../schemas
	github.com/eventshop/eventshop/testkit => ../../testkit
)
