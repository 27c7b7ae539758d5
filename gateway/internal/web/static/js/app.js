// eventshop's web UI: a shop for customers and a console for operators,
// plain JavaScript modules against the public API, no build step. Pages
// are chosen by the URL's hash: #/shop, #/orders, #/orders/<id>, #/console.

import { api, session, signIn, signOut, APIError } from "./api.js";
import { $, say } from "./dom.js";
import { loadProducts, shopReady } from "./shop.js";
import { loadOrders, leaveOrders, loadNotifications, openOrder, leaveOrder, ordersReady } from "./orders.js";
import { openConsole, leaveConsole, consoleReady } from "./console.js";

// pages maps a route to who may see it, and what opening and leaving it does.
const pages = {
  shop: { who: null, open: () => loadProducts(), leave: () => {} },
  orders: { who: "customer", open: () => Promise.all([loadOrders(), loadNotifications()]), leave: leaveOrders },
  order: { who: "any", open: (id) => openOrder(id), leave: leaveOrder },
  console: { who: "admin", open: openConsole, leave: leaveConsole },
};

let current = null;

function route() {
  const [, name = "shop", id] = location.hash.match(/^#\/(\w+)(?:\/([^/]+))?/) || [];
  if (name === "orders" && id) return { name: "order", id: decodeURIComponent(id) };
  return { name: pages[name] ? name : "shop" };
}

function allowed(who) {
  return !who || (who === "any" ? !!session.role : session.role === who);
}

// show leaves the current page, opens the one the hash names and moves
// focus to its heading, as a page load would for a screen reader.
async function show() {
  let r = route();
  if (!allowed(pages[r.name].who)) {
    if (r.name !== "shop") say(session.role ? "that page is not for " + session.role + "s" : "sign in to see that page", true);
    r = { name: "shop" };
  }
  if (current) pages[current].leave();
  current = r.name;
  for (const p of document.querySelectorAll("main > section")) p.hidden = p.id !== "page-" + r.name;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === r.name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  document.body.dataset.page = r.name;
  $("#page-" + r.name + " h2").focus({ preventScroll: true });
  try { await pages[r.name].open(r.id); } catch (e) { say(r.name + ": " + e.message, true); }
}

async function login(user) {
  try {
    const { data } = await api("POST", "/api/v1/auth/token", { username: user });
    signIn(data.access_token);
    $("#issuer-off").hidden = true;
    render(home());
    say("signed in as " + user);
  } catch (e) {
    if (e instanceof APIError && e.status === 404) $("#issuer-off").hidden = false;
    say("sign-in failed: " + e.message, true);
  }
}

// home is where a sign-in lands: the console for an admin, the shop for
// a customer; the page of someone else's order is never kept.
const home = () => (session.role === "admin" ? "#/console" : "#/shop");

// render shows who is signed in and then the page at hash, or the
// current one.
function render(hash) {
  document.body.classList.toggle("role-customer", session.role === "customer");
  document.body.classList.toggle("role-admin", session.role === "admin");
  $("#user").textContent = session.user ? session.user + " (" + session.role + ")" : "not signed in";
  if (hash && location.hash !== hash) location.hash = hash; // hashchange shows it
  else show();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-login]").forEach((b) => b.addEventListener("click", () => login(b.dataset.login)));
  $("#logout").addEventListener("click", () => { signOut(); say("signed out"); render("#/shop"); });
  $("#refresh-products").addEventListener("click", () => loadProducts().catch((e) => say("products: " + e.message, true)));
  shopReady();
  ordersReady();
  consoleReady();
  window.addEventListener("hashchange", show);
  render();
});
