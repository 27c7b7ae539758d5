// Small DOM builders: the pages make every element and set its text, never
// parse markup, so nothing an event carries can become part of the page.

/** $ is the first element matching sel. */
export const $ = (sel, root = document) => root.querySelector(sel);

/** el makes an element with attributes (on* keys become listeners) and children. */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** button makes a button that runs onClick. */
export const button = (label, onClick, attrs) => el("button", Object.assign({ type: "button", onclick: onClick }, attrs), label);

/** fill replaces the children of the element matching sel. */
export function fill(sel, ...children) {
  const e = $(sel);
  e.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null));
  return e;
}

/** say shows a message on the status line, which screen readers announce. */
export function say(msg, isError) {
  const s = $("#status");
  s.textContent = msg;
  s.className = isError ? "error" : "";
}

/** badge sets a stream badge: live, polling, connecting or off. */
export function badge(sel, mode) {
  const b = $(sel);
  b.textContent = mode;
  b.dataset.mode = mode;
}

/** time formats an ISO time as the local clock with milliseconds. */
export function time(iso) {
  const d = new Date(iso);
  return isNaN(d) ? String(iso || "") : d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}
