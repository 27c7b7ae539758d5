// eventshop web UI: plain JavaScript against the public API, no build step.
"use strict";

const state = { token: sessionStorage.getItem("token"), user: sessionStorage.getItem("user"), role: sessionStorage.getItem("role"), watch: null };
const $ = (sel) => document.querySelector(sel);
const final = new Set(["CONFIRMED", "REJECTED", "CANCELLED"]);

function say(msg, isError) {
  const s = $("#status");
  s.textContent = msg;
  s.className = isError ? "error" : "";
}

async function api(method, path, body, headers) {
  const h = Object.assign({}, headers || {});
  if (state.token) h["Authorization"] = "Bearer " + state.token;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await resp.text();
  const data = text ? JSON.parse(text) : null;
  if (!resp.ok) {
    const detail = data && (data.detail || data.title) ? (data.detail || data.title) : resp.statusText;
    throw new Error(resp.status + " " + detail);
  }
  return { data, resp };
}

const items = (d) => (Array.isArray(d) ? d : (d && (d.items || d.events)) || []);
const money = (cents, cur) => (cents / 100).toFixed(2) + " " + (cur || "");

function row(tbody, cells, extra) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined || c === null ? "" : String(c);
    tr.appendChild(td);
  }
  if (extra) tr.appendChild(extra);
  tbody.appendChild(tr);
  return tr;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function clear(sel) {
  const el = $(sel);
  el.replaceChildren();
  return el;
}

async function login(user) {
  try {
    const { data } = await api("POST", "/api/v1/auth/token", { username: user });
    const payload = JSON.parse(atob(data.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    Object.assign(state, { token: data.access_token, user: payload.sub, role: payload.role });
    for (const k of ["token", "user", "role"]) sessionStorage.setItem(k, state[k]);
    render();
    say("signed in as " + user);
  } catch (e) { say("sign-in failed: " + e.message, true); }
}

function logout() {
  for (const k of ["token", "user", "role"]) { state[k] = null; sessionStorage.removeItem(k); }
  render();
}

const loaders = {
  async products() {
    const { data, resp } = await api("GET", "/api/v1/products");
    $("#cache").textContent = "X-Cache: " + (resp.headers.get("X-Cache") || "-");
    const tb = clear("#products tbody");
    for (const p of items(data)) {
      const qty = document.createElement("input");
      qty.type = "number"; qty.min = "0"; qty.value = "0"; qty.dataset.sku = p.sku;
      row(tb, [p.sku, p.name, money(p.price_cents, p.currency), p.available, qty]);
    }
  },
  async orders() {
    const { data } = await api("GET", "/api/v1/orders");
    const tb = clear("#orders tbody");
    for (const o of items(data)) {
      row(tb, [o.id, o.status, money(o.total_cents, o.currency), o.reason, button("watch", () => watch(o.id))]).children[1].className = o.status;
    }
  },
  async notifications() {
    const { data } = await api("GET", "/api/v1/notifications");
    const ul = clear("#notifications");
    for (const n of items(data)) {
      const li = document.createElement("li");
      li.textContent = [n.created_at, n.order_id, n.kind, n.subject, n.status].filter(Boolean).join(" · ");
      ul.appendChild(li);
    }
  },
  async inventory() {
    const { data } = await api("GET", "/api/v1/admin/inventory");
    const tb = clear("#inventory tbody");
    for (const i of items(data)) {
      row(tb, [i.sku, i.available, i.reserved, i.sold, button("restock +10", () => restock(i.sku))]);
    }
  },
  async payments() {
    const { data } = await api("GET", "/api/v1/admin/payments");
    const tb = clear("#payments tbody");
    for (const p of items(data)) row(tb, [p.order_id, p.status, money(p.amount_cents, p.currency)]).children[1].className = p.status;
  },
  async dlq() {
    const { data } = await api("GET", "/api/v1/admin/dlq");
    const tb = clear("#dlq tbody");
    for (const d of items(data)) {
      const actions = document.createElement("span");
      actions.append(button("replay", () => dlqAction("POST", d.id, "/replay")), button("discard", () => dlqAction("DELETE", d.id, "")));
      row(tb, [d.id, d.service, d.type, d.error, d.deliveries, actions]);
    }
  },
  async breakers() {
    const { data } = await api("GET", "/api/v1/admin/breakers");
    const tb = clear("#breakers tbody");
    for (const b of items(data)) row(tb, [b.name, b.state, b.replica || ""]).children[1].className = b.state;
  },
};

async function load(name) {
  try { await loaders[name](); } catch (e) { say(name + ": " + e.message, true); }
}

async function placeOrder() {
  const lines = [...document.querySelectorAll("#products input")]
    .map((i) => ({ sku: i.dataset.sku, quantity: parseInt(i.value, 10) || 0 }))
    .filter((l) => l.quantity > 0);
  if (lines.length === 0) { say("choose a quantity first", true); return; }
  try {
    const { data } = await api("POST", "/api/v1/orders", { items: lines, payment_method: $("#payment").value },
      { "Idempotency-Key": crypto.randomUUID() });
    say("order " + data.id + " placed: " + data.status);
    watch(data.id);
  } catch (e) { say("order failed: " + e.message, true); }
}

async function restock(sku) {
  try { await api("POST", "/api/v1/admin/products/" + encodeURIComponent(sku) + "/restock", { quantity: 10 }); await load("inventory"); }
  catch (e) { say("restock: " + e.message, true); }
}

async function dlqAction(method, id, suffix) {
  try { await api(method, "/api/v1/admin/dlq/" + id + suffix); await load("dlq"); }
  catch (e) { say("dead letter " + id + ": " + e.message, true); }
}

// watch polls an order and its timeline until the saga reaches a final state.
function watch(id) {
  clearTimeout(state.watch);
  $("#detail").hidden = false;
  $("#detail-id").textContent = id;
  const tick = async () => {
    try {
      const { data: order } = await api("GET", "/api/v1/orders/" + encodeURIComponent(id));
      const st = $("#detail-status");
      st.textContent = order.status + (order.reason ? " (" + order.reason + ")" : "");
      st.className = order.status;
      const { data: tl } = await api("GET", "/api/v1/orders/" + encodeURIComponent(id) + "/timeline");
      const ol = clear("#timeline");
      for (const ev of items(tl)) {
        const li = document.createElement("li");
        li.textContent = ev.time + "  " + ev.type + "  from " + ev.source + "  trace " + ev.trace_id;
        ol.appendChild(li);
      }
      if (final.has(order.status)) { load("orders"); load("products"); return; }
    } catch (e) { say("order " + id + ": " + e.message, true); }
    state.watch = setTimeout(tick, 1000);
  };
  tick();
}

function render() {
  document.body.className = state.role ? "role-" + state.role : "";
  $("#user").textContent = state.user ? state.user + " (" + state.role + ")" : "not signed in";
  load("products");
  if (state.role === "customer") { load("orders"); load("notifications"); }
  if (state.role === "admin") for (const n of ["inventory", "payments", "dlq", "breakers"]) load(n);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-login]").forEach((b) => b.addEventListener("click", () => login(b.dataset.login)));
  document.querySelectorAll("[data-refresh]").forEach((b) => b.addEventListener("click", () => load(b.dataset.refresh)));
  $("#logout").addEventListener("click", logout);
  $("#place").addEventListener("click", placeOrder);
  render();
});
