module github.com/eventshop/eventshop/services/inventory

go 1.26.0
