// The event pipeline's health per service: outbox backlog, the age of the
// oldest unsent event and consumer lag. The gateway reads them from every
// service's metrics (GET /api/v1/admin/pipeline); a gateway without that
// route shows what its own /metrics holds.

import { api, hasRoute } from "./api.js";
import { $, el, fill } from "./dom.js";

// measures name each series in words.
const measures = {
  eventshop_outbox_backlog: "outbox backlog",
  eventshop_outbox_oldest_unsent_age_seconds: "oldest unsent (s)",
  eventshop_bus_consumer_pending: "consumer lag",
  eventshop_bus_consumer_ack_pending: "awaiting ack",
  eventshop_bus_consumer_waiting_for_dependency: "waiting for a dependency",
  eventshop_bus_dlq_depth: "dead letters",
};

/** parse reads Prometheus text exposition into {name, labels, value} samples. */
export function parse(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

// fromGateway reads the gateway's own /metrics, the fallback.
async function fromGateway() {
  const resp = await fetch("/metrics");
  if (!resp.ok) throw new Error("metrics: " + resp.status);
  return parse(await resp.text()).filter((s) => measures[s.name]).map((s) => ({
    service: s.labels.service || "gateway", measure: s.name, consumer: s.labels.consumer || "", value: s.value,
  }));
}

async function fromServices() {
  const { data } = await api("GET", "/api/v1/admin/pipeline");
  return data.items || [];
}

/** loadPipeline draws one row per service and measure, and a service it could not read with the reason. */
export async function loadPipeline() {
  const served = await hasRoute("/api/v1/admin/pipeline");
  const rows = served ? await fromServices() : await fromGateway();
  fill("#pipeline tbody", rows.map((r) => el("tr", { "data-service": r.service, "data-measure": r.measure || "" },
    el("td", {}, r.service),
    el("td", {}, r.error ? "unreadable: " + r.error : (measures[r.measure] || r.measure) + (r.consumer ? " · " + r.consumer : "")),
    el("td", { class: "num" + (r.value > 0 ? " warn" : "") }, r.error ? "" : Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(3)))));
  $("#pipeline-gap").hidden = served;
  $("#pipeline").hidden = rows.length === 0;
}
