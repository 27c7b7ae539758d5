// The shop page: the catalogue with prices and availability, the cart and
// the checkout with the card choice.

import { api, page, money, seg } from "./api.js";
import { $, el, button, fill, say } from "./dom.js";

const cart = new Map(JSON.parse(sessionStorage.getItem("cart") || "[]"));
const catalogue = new Map();

function saveCart() {
  sessionStorage.setItem("cart", JSON.stringify([...cart]));
  drawCart();
}

/** loadProducts reads the catalogue, every page of it. */
export async function loadProducts() {
  let cursor = "";
  const all = [];
  let cache = "";
  do {
    const p = await page("/api/v1/products", cursor, 100);
    all.push(...p.items);
    cache ||= p.resp.headers.get("X-Cache") || "";
    cursor = p.next;
  } while (cursor);
  $("#cache").textContent = cache ? "cache " + cache : "";
  catalogue.clear();
  for (const p of all) catalogue.set(p.sku, p);
  fill("#products", all.map(card));
  drawCart();
}

function card(p) {
  const out = p.available <= 0;
  return el("li", { class: "card", "data-sku": p.sku },
    el("h3", {}, p.name),
    el("p", { class: "sku" }, p.sku),
    el("p", { class: "price" }, money(p.price_cents, p.currency)),
    el("p", { class: out ? "stock out" : "stock" }, out ? "sold out" : p.available + " available"),
    button("Add to cart", () => add(p.sku, 1), { class: "customer add", disabled: out, "aria-label": "Add " + p.name + " to cart" }));
}

function add(sku, n) {
  const q = (cart.get(sku) || 0) + n;
  if (q <= 0) cart.delete(sku); else cart.set(sku, q);
  saveCart();
}

function drawCart() {
  const lines = [...cart].filter(([sku]) => catalogue.has(sku) || catalogue.size === 0);
  let total = 0;
  let currency = "";
  const rows = lines.map(([sku, q]) => {
    const p = catalogue.get(sku) || { name: sku, price_cents: 0 };
    total += p.price_cents * q;
    currency ||= p.currency;
    return el("tr", { "data-sku": sku },
      el("td", {}, p.name),
      el("td", { class: "qty" },
        button("−", () => add(sku, -1), { "aria-label": "One " + p.name + " less" }),
        el("output", {}, q),
        button("+", () => add(sku, 1), { "aria-label": "One " + p.name + " more" })),
      el("td", { class: "num" }, money(p.price_cents * q, p.currency)));
  });
  fill("#cart-lines tbody", rows);
  $("#cart-total").textContent = rows.length ? "Total " + money(total, currency) : "Your cart is empty.";
  $("#cart-count").textContent = String(lines.reduce((n, [, q]) => n + q, 0));
  $("#checkout").disabled = rows.length === 0;
}

/**
 * checkout places the cart as an order with the chosen card under a fresh
 * idempotency key, empties the cart and opens the order's page.
 */
export async function checkout() {
  const items = [...cart].map(([sku, quantity]) => ({ sku, quantity }));
  const card = document.querySelector('input[name="card"]:checked').value;
  $("#checkout").disabled = true;
  try {
    const { data } = await api("POST", "/api/v1/orders", { items, payment_method: card }, { "Idempotency-Key": crypto.randomUUID() });
    cart.clear();
    saveCart();
    say("order " + data.id + " placed: " + data.status);
    location.hash = "#/orders/" + seg(data.id);
  } catch (e) {
    say("order failed: " + e.message, true);
    drawCart();
  }
}

/** shopReady wires the page's controls once. */
export function shopReady() {
  $("#checkout").addEventListener("click", checkout);
  $("#clear-cart").addEventListener("click", () => { cart.clear(); saveCart(); });
  // On a phone the cart sits below the catalogue; this takes you there.
  $("#to-cart").addEventListener("click", () => { $("#cart").scrollIntoView(); $("#cart-title").focus(); });
  drawCart();
}
