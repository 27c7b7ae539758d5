// The operator console: the live event stream, dead letters, breakers,
// the event pipeline's backlog and lag, stock and payments.

import { api, page, money, seg } from "./api.js";
import { $, el, button, fill, say, badge, time } from "./dom.js";
import { follow } from "./stream.js";
import { service } from "./waterfall.js";
import { loadPipeline } from "./pipeline.js";

// uuid matches an order id; other events' subjects (a SKU) link nowhere.
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** keep is how many streamed events the console shows. */
const keep = 200;

const live = { stop: null, paused: false, events: [] };

/** openConsole loads every panel and follows the event stream. */
export function openConsole() {
  for (const [name, fn] of Object.entries(panels)) run(name, fn);
  followEvents();
  run("event types", loadTypes);
}

// loadTypes offers every event type of the schema registry as a filter,
// once: the stream filters by exact type.
async function loadTypes() {
  const sel = $("#filter-type");
  if (sel.options.length > 1) return;
  const { data } = await api("GET", "/api/v1/schemas");
  const types = (data.items || []).map((i) => i.type).sort();
  sel.append(...types.map((t) => el("option", { value: t }, t)));
}

/** leaveConsole closes the event stream. */
export function leaveConsole() {
  if (live.stop) live.stop();
  live.stop = null;
}

async function run(name, fn) {
  try { await fn(); } catch (e) { say(name + ": " + e.message, true); }
}

// followEvents (re)opens the admin stream with the chosen filters, which
// the gateway applies; the list filters too, so that a change shows at once.
function followEvents() {
  leaveConsole();
  const q = new URLSearchParams();
  if ($("#filter-type").value) q.set("type", $("#filter-type").value);
  if ($("#filter-service").value) q.set("service", $("#filter-service").value);
  live.stop = follow({
    path: "/api/v1/admin/events" + (q.size ? "?" + q : ""),
    route: "/api/v1/admin/events",
    onMessage: (m) => addEvent(m),
    onMode: (mode) => badge("#events-mode", mode),
  });
}

function addEvent(m) {
  const d = typeof m.data === "object" && m.data ? m.data : { type: m.event, data: m.data };
  if (live.events.some((e) => e.id && e.id === d.id)) return;
  live.events.unshift({
    id: d.id || d["ce-id"] || "",
    type: d.type || d["ce-type"] || m.event,
    source: service(d.source || d["ce-source"] || d.service || ""),
    subject: d.subject || d["ce-subject"] || "",
    time: d.time || d["ce-time"] || new Date().toISOString(),
  });
  live.events.length = Math.min(live.events.length, keep);
  if (!live.paused) drawEvents();
}

function drawEvents() {
  const type = $("#filter-type").value;
  const svc = $("#filter-service").value;
  const shown = live.events.filter((e) => (!type || e.type === type) && (!svc || e.source === svc));
  fill("#events tbody", shown.map((e) => el("tr", { "data-type": e.type },
    el("td", {}, time(e.time)), el("td", {}, el("code", {}, e.type)), el("td", {}, e.source),
    el("td", {}, uuid.test(e.subject) ? el("a", { href: "#/orders/" + seg(e.subject), "aria-label": "Order " + e.subject }, e.subject.slice(-8)) : e.subject))));
  $("#events-empty").hidden = shown.length > 0;
}

const dlq = { next: "" };

const panels = {
  async dlq(more) {
    const p = await page("/api/v1/admin/dlq", more ? dlq.next : "", 50);
    dlq.next = p.next;
    $("#dlq-more").hidden = !dlq.next;
    const rows = p.items.map((d) => el("tr", { "data-id": d.id, "data-subject": d.subject || "" },
      el("td", {}, String(d.id)), el("td", {}, d.service), el("td", {}, el("code", {}, d.type)),
      el("td", { class: "reason" }, d.error), el("td", { class: "num" }, String(d.deliveries)),
      el("td", {}, el("div", { class: "actions" },
        button("Show", () => showDeadLetter(d.id), { "aria-label": "Show dead letter " + d.id }),
        button("Replay", () => dlqAction("POST", d.id, "/replay", "replayed"), { "aria-label": "Replay dead letter " + d.id }),
        button("Discard", () => dlqAction("DELETE", d.id, "", "discarded"), { class: "danger", "aria-label": "Discard dead letter " + d.id })))));
    if (more) $("#dlq tbody").append(...rows); else fill("#dlq tbody", rows);
    $("#dlq-empty").hidden = $("#dlq tbody").children.length > 0;
  },
  async breakers() {
    const { data } = await api("GET", "/api/v1/admin/breakers");
    fill("#breakers", (data.items || []).map((b) => el("li", { "data-name": b.name, class: "breaker " + b.state },
      el("span", {}, b.replica ? `${b.name} · ${b.replica}` : b.name), el("strong", {}, b.state))));
  },
  pipeline: loadPipeline,
  async inventory() {
    const { items } = await page("/api/v1/admin/inventory", "", 100);
    fill("#inventory tbody", items.map((i) => el("tr", { "data-sku": i.sku },
      el("td", {}, i.sku), el("td", { class: "num available" }, String(i.available)),
      el("td", { class: "num" }, String(i.reserved)), el("td", { class: "num" }, String(i.sold)),
      el("td", {}, restockForm(i.sku)))));
  },
  async payments() {
    const { items } = await page("/api/v1/admin/payments", "", 25);
    fill("#payments tbody", items.map((p) => el("tr", {},
      el("td", {}, el("a", { href: "#/orders/" + seg(p.order_id) }, String(p.order_id).slice(-8))),
      el("td", {}, el("span", { class: "status " + p.status }, p.status)),
      el("td", { class: "num" }, money(p.amount_cents, p.currency)))));
  },
};

function restockForm(sku) {
  const id = "restock-" + sku;
  const qty = el("input", { id, type: "number", min: "1", max: "100000", value: "10", inputmode: "numeric" });
  return el("form", { class: "restock", onsubmit: (ev) => { ev.preventDefault(); restock(sku, parseInt(qty.value, 10)); } },
    el("label", { for: id, class: "visually-hidden" }, "Quantity to add to " + sku), qty,
    el("button", { type: "submit" }, "Restock"));
}

async function restock(sku, quantity) {
  if (!(quantity > 0)) { say("restock " + sku + ": choose a quantity above zero", true); return; }
  try {
    await api("POST", "/api/v1/admin/products/" + seg(sku) + "/restock", { quantity });
    say("restocked " + sku + " by " + quantity);
  } catch (e) { say("restock " + sku + ": " + e.message, true); }
  run("inventory", panels.inventory);
}

async function showDeadLetter(id) {
  try {
    const { data } = await api("GET", "/api/v1/admin/dlq/" + seg(id));
    const box = $("#dlq-detail");
    box.hidden = false;
    $("#dlq-detail-id").textContent = String(id);
    $("#dlq-detail-reason").textContent = data.error || "";
    fill("#dlq-detail-headers", Object.entries(data.headers || {}).sort().map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]).flat());
    $("#dlq-detail-payload").textContent = JSON.stringify(data.payload, null, 2);
    box.focus();
  } catch (e) { say("dead letter " + id + ": " + e.message, true); }
}

async function dlqAction(method, id, suffix, done) {
  try {
    await api(method, "/api/v1/admin/dlq/" + seg(id) + suffix);
    say("dead letter " + id + " " + done);
    if ($("#dlq-detail-id").textContent === String(id)) $("#dlq-detail").hidden = true;
  } catch (e) { say("dead letter " + id + ": " + e.message, true); }
  run("dlq", panels.dlq);
}

/** consoleReady wires the console's controls once. */
export function consoleReady() {
  $("#filter-type").addEventListener("change", () => { drawEvents(); followEvents(); });
  $("#filter-service").addEventListener("change", () => { drawEvents(); followEvents(); });
  $("#events-pause").addEventListener("click", (ev) => {
    live.paused = !live.paused;
    ev.target.textContent = live.paused ? "Resume" : "Pause";
    ev.target.setAttribute("aria-pressed", String(live.paused));
    if (!live.paused) drawEvents();
  });
  $("#dlq-more").addEventListener("click", () => run("dlq", () => panels.dlq(true)));
  $("#dlq-close").addEventListener("click", () => { $("#dlq-detail").hidden = true; });
  document.querySelectorAll("#page-console [data-refresh]").forEach((b) => b.addEventListener("click", () => run(b.dataset.refresh, panels[b.dataset.refresh])));
}
