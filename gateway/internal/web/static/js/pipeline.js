// The event pipeline's health per service: outbox backlog, consumer lag and
// dead letters, read from the Prometheus metrics the gateway serves.

import { $, el, fill } from "./dom.js";

// watched are the series the panel shows, by what they measure.
const watched = [
  { re: /^eventshop_outbox_(backlog|pending|unsent)\w*$/, what: "outbox backlog" },
  { re: /^eventshop_outbox_oldest\w*$/, what: "oldest unsent (s)" },
  { re: /^eventshop_bus_consumer_pending$/, what: "consumer lag" },
  { re: /^eventshop_bus_consumer_ack_pending$/, what: "awaiting ack" },
  { re: /^eventshop_bus_consumer_waiting_for_dependency$/, what: "waiting for a dependency" },
  { re: /^eventshop_bus_dlq_depth$/, what: "dead letters" },
];

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

// owner is the service a sample belongs to: its service label, or the
// consumer's name up to its first dash ("inventory-orders" → inventory).
function owner(s) {
  if (s.labels.service) return s.labels.service;
  if (s.labels.consumer) return s.labels.consumer.split("-")[0];
  return s.labels.job || "gateway";
}

/** loadPipeline reads /metrics and draws one row per service and measure. */
export async function loadPipeline() {
  const resp = await fetch("/metrics");
  if (!resp.ok) throw new Error("metrics: " + resp.status);
  const rows = [];
  for (const s of parse(await resp.text())) {
    const w = watched.find((w) => w.re.test(s.name));
    if (w) rows.push({ service: owner(s), what: w.what, detail: s.labels.consumer || "", value: s.value });
  }
  rows.sort((a, b) => a.service.localeCompare(b.service) || a.what.localeCompare(b.what));
  fill("#pipeline tbody", rows.map((r) => el("tr", { "data-what": r.what },
    el("td", {}, r.service), el("td", {}, r.what + (r.detail ? " · " + r.detail : "")),
    el("td", { class: "num" + (r.value > 0 ? " warn" : "") }, String(r.value)))));
  // The gateway serves its own series only; each service's outbox and
  // consumers are measured on that service's /metrics.
  $("#pipeline-gap").hidden = rows.some((r) => r.what !== "dead letters");
  $("#pipeline").hidden = rows.length === 0;
}
