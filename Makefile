# The front door. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
MODULES   := pkg schemas testkit tests gateway gateway/integration tools services/provider \
             $(foreach s,order inventory payment notification,services/$(s) services/$(s)/integration)
ALL_PKGS  := $(addprefix ./,$(addsuffix /...,$(MODULES)))
# what runs in production: the gateway and the services, without their tests' harness
SHIPPED_PKGS := $(addprefix ./,$(addsuffix /...,pkg schemas gateway services/provider \
             $(foreach s,order inventory payment notification,services/$(s))))
# Fuzz budgets are execution counts, 10-30 s of each target here, not
# durations: Go 1.26's fuzz coordinator can fail a duration-bounded run that
# found nothing with "context deadline exceeded" (go.dev/issue/75804, fixed
# in Go 1.27).
FUZZ_VALIDATE_EXECS    ?= 100000
FUZZ_PLACE_ORDER_EXECS ?= 20000
BIN       := bin

.PHONY: help
help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z0-9-]+:.*## /{printf "  \033[36m%-16s\033[0m %s\n",$$1,$$2}' $(MAKEFILE_LIST)

.PHONY: run
run: build ## run the whole platform locally, no Docker (Ctrl-C stops it)
	$(BIN)/launcher

.PHONY: reset
reset: ## wipe the local platform's data (.data/)
	rm -rf .data

.PHONY: build
build: ## build every binary into bin/
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./services/order/cmd/order ./services/inventory/cmd/inventory \
		./services/payment/cmd/payment ./services/notification/cmd/notification \
		./services/provider/cmd/provider ./gateway/cmd/gateway ./tools/cmd/launcher \
		github.com/nats-io/nats-server/v2 ./tools/cmd/ferretdb

.PHONY: test
test: schemas-check ## run every test against real servers, then the fuzz targets
	$(GO) test -count=1 -timeout 30m $(ALL_PKGS)
	$(MAKE) fuzz

.PHONY: layers
layers: ## check the layering: import direction, no state in contexts or shared package variables (also in test)
	$(GO) test -count=1 ./tools/layers/

.PHONY: test-outage
test-outage: ## stop PostgreSQL under running sagas: nothing dead-lettered, books exact (also in test)
	$(GO) test -count=1 -timeout 15m ./tests/outage/... ./tools/outage/...

.PHONY: fuzz
fuzz: ## run each fuzz target for its execution budget (FUZZ_*_EXECS)
	cd schemas && $(GO) test -timeout 10m -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZ_VALIDATE_EXECS)x .
	$(GO) test -timeout 10m -run '^$$' -fuzz '^FuzzPlaceOrderBody$$' -fuzztime $(FUZZ_PLACE_ORDER_EXECS)x ./services/order/integration/ports

.PHONY: schemas-check
schemas-check: ## check that every event version is compatible with the one before
	cd schemas && $(GO) run ./cmd/schemas-check

.PHONY: generate
generate: ## regenerate generated files (event types, AsyncAPI, event catalogue)
	cd schemas && $(GO) run ./cmd/schemas-gen && $(GO) run ./cmd/asyncapi-gen

.PHONY: asyncapi
asyncapi: generate ## regenerate the AsyncAPI document

.PHONY: lint
lint: ## go vet and staticcheck on every module; vet for macOS, and for Windows what ships
	$(GO) vet $(ALL_PKGS)
	GOOS=darwin $(GO) vet $(ALL_PKGS)
	GOOS=windows $(GO) vet $(SHIPPED_PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(ALL_PKGS)

.PHONY: fmt
fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

.PHONY: tidy
tidy: ## go mod tidy in every module
	@for m in $(MODULES); do (cd $$m && GOWORK=off $(GO) mod tidy) || exit 1; done

.PHONY: up
up: ## run the platform in containers
	docker compose up --build

.PHONY: down
down: ## stop the containers
	docker compose down

.PHONY: logs
logs: ## follow the containers' logs
	docker compose logs -f

.PHONY: demo
demo: ## against a running platform, place one order of each outcome
	$(GO) run ./tools/cmd/demo

# `make load` settings: LOAD_RATE is operations per second (RATE,
# ramp:FROM:TO or steps:R1:R2:...), half of them orders in the default mix;
# LOAD_FLAGS adds any other flag of the command (go run ./tools/cmd/load -h).
LOAD_GATEWAY  ?= http://localhost:8080
LOAD_RATE     ?= 100
LOAD_DURATION ?= 60s
LOAD_FLAGS    ?=

.PHONY: load
load: ## against `make run`: open-loop load through the gateway, live view, HTML report, invariant check
	$(GO) run ./tools/cmd/load -gateway $(LOAD_GATEWAY) -rate $(LOAD_RATE) -duration $(LOAD_DURATION) $(LOAD_FLAGS)

.PHONY: chaos
chaos: ## break every process and link under load, then check nothing was lost (CHAOS_FLAGS=-short: three faults)
	$(GO) run ./tools/cmd/chaos $(CHAOS_FLAGS)

.PHONY: bench-bus
bench-bus: ## measure raw publish vs outbox relay, relay latency, inbox consume
	$(GO) run ./tools/benchbus

.PHONY: bench-saga
bench-saga: ## measure saga latency and confirmed orders per second
	$(GO) run ./tools/cmd/benchsaga

.PHONY: bench-gateway
bench-gateway: ## measure the gateway against Caddy (nginx, HAProxy beside) and cache hits
	$(GO) run ./tools/cmd/benchgateway

.PHONY: bench-run
bench-run: build ## measure start-up time and memory of `make run`
	$(GO) run ./tools/cmd/benchrun

.PHONY: bench-idle
bench-idle: ## measure an idle notification service's CPU with 30,000 notifications stored
	cd services/notification/integration && $(GO) test -run '^$$' -bench IdleWith30k -benchtime 3x ./service/
