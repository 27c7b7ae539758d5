module github.com/eventshop/eventshop/services/notification

go 1.26.0
