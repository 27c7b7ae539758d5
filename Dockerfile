# One image recipe for every deployable: SERVICE names the binary, MODULE the
# module that holds it (services/order, gateway, ...). Each module builds with
# GOWORK=off thanks to its replace directives, so no other module's code is needed
# beyond the ones copied below. testkit and the provider are required only by
# the modules' server-backed tests (their integration directories): Go reads
# their go.mod to resolve the module graph, but links none of their code into
# the binary.

FROM golang:1.26-bookworm AS build
ARG MODULE
ARG SERVICE
WORKDIR /src
ENV CGO_ENABLED=0 GOWORK=off GOFLAGS=-trimpath
# Modules first, so that dependency downloads are cached across code changes.
COPY pkg/go.mod pkg/go.sum pkg/
COPY schemas/go.mod schemas/go.sum schemas/
COPY testkit/go.mod testkit/go.sum testkit/
COPY services/provider/go.mod services/provider/go.sum services/provider/
COPY ${MODULE}/go.mod ${MODULE}/go.sum ${MODULE}/
RUN cd ${MODULE} && go mod download
COPY pkg/ pkg/
COPY schemas/ schemas/
COPY testkit/ testkit/
COPY services/provider/ services/provider/
COPY ${MODULE}/ ${MODULE}/
RUN cd ${MODULE} && go build -ldflags="-s -w" -o /out/service ./cmd/${SERVICE} \
 && cd /src/pkg && go build -ldflags="-s -w" -o /out/healthcheck ./cmd/healthcheck \
 && mkdir -p /out/state/${SERVICE}

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/service /usr/local/bin/service
COPY --from=build /out/healthcheck /usr/local/bin/healthcheck
# /var/lib/eventshop/<service>, owned by nonroot, is where a service may keep
# files (the provider's journal): a named volume mounted there starts with
# the image's owner, so the nonroot user can write to it.
COPY --from=build --chown=65532:65532 /out/state/ /var/lib/eventshop/
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/service"]
