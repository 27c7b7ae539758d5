# The front door. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
MODULES   := pkg schemas testkit tests gateway tools services/provider \
             $(foreach s,order inventory payment notification,services/$(s))
ALL_PKGS  := $(addprefix ./,$(addsuffix /...,$(MODULES)))
# what runs in production: the gateway and the services, without the tests
# that need servers (each module's integration directory); evaluated only
# when a target uses it
SHIPPED_PKGS = $(shell $(GO) list $(addprefix ./,$(addsuffix /...,pkg schemas gateway services/provider \
             $(foreach s,order inventory payment notification,services/$(s)))) | grep -v /integration/)
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

# `make run` settings: REPLICAS processes of each service (the second on
# port 81xx, the third on 82xx); NATS_CLUSTER=3 runs three nats-server
# nodes with every stream replicated three times; TRACES=1 starts Jaeger
# (UI on 16686, OTLP/HTTP on 4318) and has every service export to it.
REPLICAS     ?= 1
NATS_CLUSTER ?= 1
TRACES       ?=
RUN_TRACES   := $(filter 1 true yes,$(TRACES))

.PHONY: run
run: build $(if $(RUN_TRACES),build-jaeger) ## run the whole platform locally, no Docker (Ctrl-C stops it; REPLICAS=2, NATS_CLUSTER=3, TRACES=1)
	$(BIN)/launcher -replicas $(REPLICAS) -nats-cluster $(NATS_CLUSTER) $(if $(RUN_TRACES),-traces)

# Jaeger is pinned as a Go tool in a module of its own (tools/jaeger), kept
# out of go.work so that its dependencies do not choose the services'.
.PHONY: build-jaeger
build-jaeger: ## build Jaeger, the trace viewer of `make run TRACES=1`, into bin/
	@mkdir -p $(BIN)
	GOWORK=off $(GO) -C tools/jaeger build -o $(abspath $(BIN))/jaeger github.com/jaegertracing/jaeger/cmd/jaeger

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
test: schemas-check contracts-deps ## run every test against real servers, then the fuzz targets
	$(GO) test -count=1 -timeout 30m $(ALL_PKGS)
	$(MAKE) fuzz

# The web UI's browser tests save a screenshot of each page they visit
# under UI_SHOTS/_artifacts/<test>/.
UI_SHOTS ?= ui-screenshots

.PHONY: test-ui
test-ui: ## drive the web UI in headless Chromium against the platform; screenshots in UI_SHOTS
	@mkdir -p $(UI_SHOTS)
	$(GO) test -count=1 -timeout 15m -run '^TestWebUI' -v -artifacts -outputdir $(abspath $(UI_SHOTS)) ./tools/e2e

.PHONY: test-tracing
test-tracing: ## one order is one trace: gateway and every service, joined across NATS, received over OTLP in the test
	$(GO) test -count=1 -timeout 15m -v -run '^TestOneOrderIsOneTrace' ./tools/tracecheck/...

.PHONY: test-observe
test-observe: ## live event streams through the gateway, and every dashboard metric served (also in test)
	$(GO) test -count=1 -timeout 15m ./tools/observe/...

.PHONY: layers
layers: ## check the layering: import direction, no state in contexts or shared package variables (also in test)
	$(GO) test -count=1 ./tools/layers/

.PHONY: test-outage
test-outage: ## stop PostgreSQL under running sagas: nothing dead-lettered, books exact (also in test)
	$(GO) test -count=1 -timeout 15m ./tests/outage/... ./tools/outage/...

.PHONY: test-scale
test-scale: ## two replicas of each service under load, relay leaders and a NATS stream leader killed (also in test)
	$(GO) test -count=1 -timeout 40m -v ./tools/scale/...

.PHONY: fuzz
fuzz: ## run each fuzz target for its execution budget (FUZZ_*_EXECS)
	cd schemas && $(GO) test -timeout 10m -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZ_VALIDATE_EXECS)x .
	$(GO) test -timeout 10m -run '^$$' -fuzz '^FuzzPlaceOrderBody$$' -fuzztime $(FUZZ_PLACE_ORDER_EXECS)x ./services/order/integration/ports

.PHONY: schemas-check
schemas-check: ## check that every event version is compatible with the one before
	cd schemas && $(GO) run ./cmd/schemas-check

# The contract check (TestContractDocumentsPassTheirTools) runs the official
# AsyncAPI parser and Redocly CLI, pinned in tools/contracts; without npm the
# test skips, except in CI.
CONTRACTS := tools/contracts

.PHONY: contracts-deps
contracts-deps: ## install the contract check's pinned npm packages (when npm is there)
	@if ! command -v npm >/dev/null; then echo "npm not found: the contract check will be skipped"; \
	elif [ ! -f $(CONTRACTS)/node_modules/.package-lock.json ] || \
	     [ $(CONTRACTS)/package-lock.json -nt $(CONTRACTS)/node_modules/.package-lock.json ]; then \
		cd $(CONTRACTS) && npm ci --ignore-scripts --no-audit --no-fund; fi

.PHONY: contracts
contracts: contracts-deps ## check the AsyncAPI and OpenAPI documents with @asyncapi/parser and Redocly CLI
	$(GO) test -count=1 -run '^TestContractDocumentsPassTheirTools$$' -v ./gateway/internal/openapi

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

# `make k8s` renders these kustomizations (deploy/k8s/README.md).
K8S_OVERLAYS ?= deploy/k8s/overlays/dev deploy/k8s/overlays/prod

.PHONY: k8s
k8s: ## print the Kubernetes objects of both overlays (K8S_OVERLAYS=deploy/k8s/overlays/prod for one)
	@$(GO) run ./tools/cmd/k8s $(K8S_OVERLAYS)

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
demo: ## against a running platform, restock what it needs as admin, then place one order of each outcome
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
bench-saga: ## measure saga latency, confirmed orders per second, and what tracing costs (tracing_overhead_ratio)
	$(GO) run ./tools/cmd/benchsaga

.PHONY: bench-tracing
bench-tracing: ## only what tracing costs, with a round exporting to a discarding receiver beside Jaeger's
	$(GO) run ./tools/cmd/benchsaga -tracing-only -tracing-sink

.PHONY: bench-gateway
bench-gateway: ## measure the gateway against Caddy (nginx, HAProxy beside) and cache hits
	$(GO) run ./tools/cmd/benchgateway

.PHONY: bench-run
bench-run: build ## measure start-up time and memory of `make run`
	$(GO) run ./tools/cmd/benchrun

.PHONY: bench-takeover
bench-takeover: ## kill -9 the outbox relay's leader replica 12 times under load: time until another relays
	$(GO) run ./tools/cmd/benchscale -scenario takeover

.PHONY: bench-takeover-mongo
bench-takeover-mongo: ## kill -9 notification's MongoDB relay leader 12 times under load: time until another relays
	$(GO) run ./tools/cmd/benchscale -scenario takeover-mongo

.PHONY: bench-nats-failover
bench-nats-failover: ## kill the ORDER stream's leader node of a 3-node cluster under load: publish resume, saga p99, lost
	$(GO) run ./tools/cmd/benchscale -scenario nats-failover

.PHONY: bench-replicas
bench-replicas: ## confirmed orders/s and CPU per order: REPLICAS=2 vs 1, a 3-node NATS cluster vs 1 node
	$(GO) run ./tools/cmd/benchscale -scenario throughput

.PHONY: bench-idle
bench-idle: ## measure an idle notification service's CPU with 30,000 notifications stored
	$(GO) test -run '^$$' -bench IdleWith30k -benchtime 3x ./services/notification/integration/service/
