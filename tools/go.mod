module github.com/eventshop/eventshop/tools

go 1.26.0
