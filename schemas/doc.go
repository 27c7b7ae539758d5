// Package schemas is the event schema registry: one JSON Schema (draft 2020-12)
// per event type and version, embedded so that every producer and consumer
// validates against the same files, plus the catalogue of who produces and
// who consumes each event.
//
// Schemas live in <domain>/<event>.v<N>.json; their $id is the path the
// gateway serves them on (/api/v1/schemas/<domain>.<event>/v<N>). See
// README.md for naming, the envelope and how to evolve an event.
package schemas
