module github.com/eventshop/eventshop/services/payment

go 1.26.0
