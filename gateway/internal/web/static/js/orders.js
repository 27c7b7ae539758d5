// The customer's pages: my orders with their statuses changing live, one
// order with its saga waterfall and a cancel button, and notifications.

import { api, page, money, seg, items, session, hasRoute } from "./api.js";
import { $, el, button, fill, say, badge, time } from "./dom.js";
import { follow } from "./stream.js";
import { draw, fromTimeline, fromTrace } from "./waterfall.js";

/** final are the statuses a saga ends in. */
export const final = new Set(["CONFIRMED", "REJECTED", "CANCELLED"]);

/** maxStreams bounds the order streams the list opens: a browser keeps at most six connections per host. */
const maxStreams = 3;

const list = { orders: new Map(), next: "", streams: new Map() };

/**
 * loadOrders reads the first page of the caller's orders (or the next one,
 * when more) and follows the pending ones; the table names whose orders it
 * holds.
 */
export async function loadOrders(more) {
  const p = await page("/api/v1/orders", more ? list.next : "", 25);
  if (!more) list.orders.clear();
  for (const o of p.items) list.orders.set(o.id, o);
  list.next = p.next;
  $("#orders-more").hidden = !list.next;
  drawOrders();
  $("#orders").dataset.user = session.user || "";
  followPending();
}

function drawOrders() {
  const rows = [...list.orders.values()].map((o) => el("tr", { "data-id": o.id },
    el("td", {}, el("a", { href: "#/orders/" + seg(o.id), class: "order-link" }, o.id.slice(-8))),
    el("td", {}, el("span", { class: "status " + o.status }, o.status)),
    el("td", { class: "num" }, money(o.total_cents, o.currency)),
    el("td", {}, o.reason || ""),
    el("td", {}, o.created_at ? new Date(o.created_at).toLocaleString() : ""),
    el("td", {}, el("div", { class: "actions" },
      el("a", { href: "#/orders/" + seg(o.id), class: "button", "aria-label": "Waterfall of order " + o.id }, "Waterfall"),
      o.status === "PENDING" ? button("Cancel", () => cancel(o.id), { "aria-label": "Cancel order " + o.id }) : null))));
  fill("#orders tbody", rows);
  $("#orders-empty").hidden = rows.length > 0;
}

// followPending opens a stream for the newest pending orders and closes
// the streams of orders that ended; without streams it polls the list.
function followPending() {
  const pending = [...list.orders.values()].filter((o) => o.status === "PENDING").slice(0, maxStreams);
  for (const [id, stop] of list.streams) {
    if (!pending.some((o) => o.id === id)) { stop(); list.streams.delete(id); }
  }
  for (const o of pending) {
    if (list.streams.has(o.id)) continue;
    list.streams.set(o.id, follow({
      path: "/api/v1/orders/" + seg(o.id) + "/events",
      route: "/api/v1/orders/{id}/events",
      onMessage: (m) => updateListed(o.id, m.data),
      poll: () => refreshListed(o.id),
      onMode: (mode) => badge("#orders-mode", mode),
    }));
  }
  if (pending.length === 0) badge("#orders-mode", "idle");
}

async function refreshListed(id) {
  const { data } = await api("GET", "/api/v1/orders/" + seg(id));
  updateListed(id, data);
}

function updateListed(id, data) {
  const o = list.orders.get(id);
  if (!o || !data || !data.status) return;
  Object.assign(o, { status: data.status, reason: data.reason || o.reason });
  drawOrders();
  if (final.has(o.status)) followPending();
}

/** leaveOrders closes the list's streams. */
export function leaveOrders() {
  for (const stop of list.streams.values()) stop();
  list.streams.clear();
}

async function cancel(id) {
  try {
    await api("POST", "/api/v1/orders/" + seg(id) + "/cancel");
    say("order " + id + " cancelled");
  } catch (e) {
    say("cancel " + id + ": " + e.message, true);
  }
  if (list.orders.has(id)) refreshListed(id).catch(() => {});
  if (detail.id === id) refreshDetail().catch(() => {});
}

/** loadNotifications reads the caller's notifications, newest page first. */
export async function loadNotifications() {
  const p = await page("/api/v1/notifications", "", 50);
  fill("#notifications", p.items.map((n) => el("li", { "data-order": n.order_id },
    el("strong", {}, n.subject || n.kind), " ",
    el("span", { class: "muted" }, [n.created_at && new Date(n.created_at).toLocaleString(), n.status].filter(Boolean).join(" · ")),
    el("br"), el("a", { href: "#/orders/" + seg(n.order_id) }, "order " + String(n.order_id).slice(-8)))));
  $("#notifications-empty").hidden = p.items.length > 0;
}

const detail = { id: "", stop: null, mode: "", events: new Map(), spans: [], trace: null };

/** openOrder shows one order and follows its saga until the page is left. */
export function openOrder(id) {
  leaveOrder();
  Object.assign(detail, { id, mode: "", events: new Map(), spans: [], trace: newTrace() });
  $("#order-id").textContent = id;
  fill("#order-status");
  delete $("#order-status").dataset.seen;
  fill("#waterfall");
  fill("#timeline");
  detail.stop = follow({
    path: "/api/v1/orders/" + seg(id) + "/events",
    route: "/api/v1/orders/{id}/events",
    onMessage: (m) => onOrderMessage(id, m),
    poll: () => refreshDetail().catch((e) => say("order " + id + ": " + e.message, true)),
    onMode: (mode) => { detail.mode = mode; badge("#order-mode", mode); },
  });
}

/** leaveOrder closes the order's stream. */
export function leaveOrder() {
  if (detail.stop) detail.stop();
  detail.stop = null;
  if (detail.trace) clearTimeout(detail.trace.timer);
}

// onOrderMessage applies one message of the order's stream: a "status"
// shows at once, a "timeline" event joins the waterfall.
function onOrderMessage(id, m) {
  if (id !== detail.id || !m.data || typeof m.data !== "object") return;
  if (m.event === "status" || (m.data.status && !m.data.type)) showStatus(m.data, "stream");
  else if (m.data.type) addEvents([m.data]);
}

// refreshDetail reads the order and its timeline: the page's first state
// when a stream opens, and every poll when there is none. While the stream
// is live, the status is the stream's alone, so that an older read never
// overwrites a newer message.
async function refreshDetail() {
  const id = detail.id;
  const { data: order } = await api("GET", "/api/v1/orders/" + seg(id));
  if (id !== detail.id) return;
  if (detail.mode !== "live" || !$("#order-status").textContent) showStatus(order, "fetch");
  $("#order-summary").textContent = (order.items || []).map((l) => l.quantity + " × " + l.sku).join(", ") + " — " + money(order.total_cents, order.currency);
  const { data: tl } = await api("GET", "/api/v1/orders/" + seg(id) + "/timeline");
  if (id === detail.id) addEvents(items(tl));
}

// addEvents adds timeline events the page does not hold yet, by id, and
// draws the waterfall and the list again in time order.
function addEvents(events) {
  let added = false;
  for (const e of events) {
    if (!e.id || detail.events.has(e.id)) continue;
    detail.events.set(e.id, e);
    added = true;
  }
  if (!added) return;
  const all = redraw();
  askTrace();
  fill("#timeline", all.map((e) => el("li", { "data-type": e.type },
    el("time", { datetime: e.time }, time(e.time)), " ", el("code", {}, e.type), " from ", e.source,
    e.trace_id ? el("span", { class: "muted" }, " trace " + e.trace_id) : null)));
}

// redraw draws the waterfall from the events and spans the page holds and
// returns the events in time order.
function redraw() {
  const all = [...detail.events.values()].sort((a, b) => new Date(a.time) - new Date(b.time) || String(a.id).localeCompare(String(b.id)));
  const entries = [...fromTimeline(all), ...fromTrace(detail.spans)];
  if (entries.length) draw($("#waterfall"), entries);
  return all;
}

// The order's spans come from GET /api/v1/orders/{id}/trace, read a little
// after each new event (the services export spans in batches, seconds
// later) and once more after the saga ends, when the events carry a trace
// id at all. The waterfall shows nothing extra when the platform has no
// such route, no trace store (404) or the store is down (503): either
// stops the reads for this page, except a 404 for a trace not exported
// yet, which is tried again at most traceTries times.
const traceDelay = 1500;
const traceFinalDelay = 6000;
const traceTries = 4;

function newTrace() {
  return { timer: 0, busy: false, tries: 0, off: false, ended: false };
}

// askTrace reads the spans a little later, once for any number of asks in
// between; once the saga has ended, late enough for its last spans.
function askTrace() {
  const tr = detail.trace;
  // Events carry a trace id only where the platform traces.
  if (!tr || tr.off || ![...detail.events.values()].some((e) => e.trace_id)) return;
  clearTimeout(tr.timer);
  tr.timer = setTimeout(() => loadTrace(detail.id, tr), tr.ended ? traceFinalDelay : traceDelay);
}

async function loadTrace(id, tr) {
  if (tr.busy || tr.off || id !== detail.id) return;
  if (!(await hasRoute("/api/v1/orders/{id}/trace"))) { tr.off = true; return; }
  tr.busy = true;
  try {
    const { data } = await api("GET", "/api/v1/orders/" + seg(id) + "/trace");
    if (id !== detail.id) return;
    detail.spans = (data && data.spans) || [];
    redraw();
  } catch (e) {
    tr.tries++;
    if (e.status !== 404 || tr.tries >= traceTries || /no trace store/.test(e.message)) tr.off = true;
  } finally {
    tr.busy = false;
  }
}

// showStatus shows the order's status and records, for whoever inspects
// the page, where it came from and the statuses shown before.
function showStatus(o, via) {
  const st = $("#order-status");
  st.textContent = o.status + (o.reason ? " (" + o.reason + ")" : "");
  st.className = "status " + o.status;
  st.dataset.via = via;
  st.dataset.seen = ((st.dataset.seen || "") + " " + o.status).trim();
  $("#order-cancel").hidden = o.status !== "PENDING";
  if (final.has(o.status) && detail.trace && !detail.trace.ended) {
    detail.trace.ended = true;
    askTrace();
  }
}

/** ordersReady wires the pages' controls once. */
export function ordersReady() {
  $("#refresh-orders").addEventListener("click", () => Promise.all([loadOrders(), loadNotifications()]).catch((e) => say("orders: " + e.message, true)));
  $("#orders-more").addEventListener("click", () => loadOrders(true).catch((e) => say("orders: " + e.message, true)));
  $("#order-cancel").addEventListener("click", () => cancel(detail.id));
}
