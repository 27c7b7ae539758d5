module github.com/eventshop/eventshop/gateway

go 1.26.0
