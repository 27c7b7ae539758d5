// The public HTTP API as the pages call it, with the signed-in identity.

const keys = ["token", "user", "role"];

/** session is who is signed in; it lives in sessionStorage, so a tab forgets it on close. */
export const session = Object.fromEntries(keys.map((k) => [k, sessionStorage.getItem(k)]));

/** signIn keeps the token and the identity it names. */
export function signIn(token) {
  const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  Object.assign(session, { token, user: claims.sub, role: claims.role });
  for (const k of keys) sessionStorage.setItem(k, session[k]);
}

/** signOut forgets the token. */
export function signOut() {
  for (const k of keys) { session[k] = null; sessionStorage.removeItem(k); }
}

/** APIError is a non-2xx answer, with the problem body's detail. */
export class APIError extends Error {
  constructor(status, detail) {
    super(status + " " + detail);
    this.status = status;
  }
}

/** authHeaders are the headers every call sends. */
export function authHeaders(extra) {
  const h = Object.assign({}, extra || {});
  if (session.token) h.Authorization = "Bearer " + session.token;
  return h;
}

/** api calls the gateway and returns the decoded body and the response. */
export async function api(method, path, body, headers) {
  const h = authHeaders(headers);
  if (body !== undefined) h["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!resp.ok) throw new APIError(resp.status, (data && (data.detail || data.title)) || resp.statusText);
  return { data, resp };
}

/** items is the list in a list answer, whichever key holds it. */
export const items = (d) => (Array.isArray(d) ? d : (d && (d.items || d.events)) || []);

/**
 * page reads one page of a list: ?limit=N&cursor=C answered with
 * next_cursor, which is absent on the last page and on lists that do not
 * page yet (then the whole list is one page).
 */
export async function page(path, cursor, limit = 50) {
  const u = new URL(path, location.origin);
  u.searchParams.set("limit", String(limit));
  if (cursor) u.searchParams.set("cursor", cursor);
  const { data, resp } = await api("GET", u.pathname + u.search);
  return { items: items(data), next: (data && data.next_cursor) || "", resp };
}

let contract = null;

/**
 * hasRoute reports whether the gateway's OpenAPI document lists the path
 * (in "{param}" form): the pages use a stream only where the platform
 * serves one, so they never ask for a route that is not there.
 */
export async function hasRoute(path) {
  contract ??= api("GET", "/api/v1/openapi.json").then(({ data }) => new Set(Object.keys((data && data.paths) || {})), () => new Set());
  return (await contract).has(path);
}

/** money formats an amount in cents. */
export const money = (cents, cur) => (Number(cents || 0) / 100).toFixed(2) + " " + (cur || "");

/** id is an URL path segment. */
export const seg = encodeURIComponent;
