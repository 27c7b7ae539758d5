module github.com/eventshop/eventshop/services/provider

go 1.26.0
