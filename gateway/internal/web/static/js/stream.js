// Server-Sent Events read with fetch, so that the bearer token goes with
// them (EventSource cannot send headers), with polling as the fallback.

import { authHeaders, hasRoute } from "./api.js";

/** pollEvery is how often a page polls when it has no stream. */
export const pollEvery = 2000;

/**
 * follow keeps a page up to date from the stream at path while the
 * platform lists route (its OpenAPI path), calling onMessage with each
 * {event, data} message; otherwise, or when the stream fails, it calls poll
 * every pollEvery. onMode hears "connecting", "live", "polling" or "off"
 * (no stream and nothing to poll). It returns a function that stops it.
 */
export function follow({ path, route, onMessage, poll, onMode }) {
  const ctl = new AbortController();
  let timer = 0;
  const stopped = () => ctl.signal.aborted;
  const polling = () => {
    if (stopped()) return;
    if (!poll) { onMode("off"); return; }
    onMode("polling");
    const tick = async () => {
      if (stopped()) return;
      try { await poll(); } catch { /* the next tick tries again */ }
      timer = setTimeout(tick, pollEvery);
    };
    tick();
  };
  (async () => {
    onMode("connecting");
    if (!(await hasRoute(route))) { polling(); return; }
    while (!stopped()) {
      const wasLive = await stream(path, ctl.signal, onMessage, () => { onMode("live"); if (poll) poll().catch(() => {}); });
      if (!wasLive) { polling(); return; }
      // A stream that ran and ended (a restart, a proxy's idle timeout) is
      // opened again, as EventSource would.
      onMode("connecting");
      await new Promise((r) => { timer = setTimeout(r, pollEvery); });
    }
  })();
  return () => { ctl.abort(); clearTimeout(timer); };
}

// stream reads one connection to its end; it reports whether it was live.
async function stream(path, signal, onMessage, onOpen) {
  let resp;
  try {
    resp = await fetch(path, { headers: authHeaders({ Accept: "text/event-stream" }), signal });
  } catch { return false; }
  if (!resp.ok || !(resp.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
    resp.body?.cancel().catch(() => {});
    return false;
  }
  onOpen();
  try {
    await parse(resp.body, onMessage);
  } catch { /* aborted or cut: the caller decides */ }
  return true;
}

// parse splits an event stream into messages, as the SSE specification
// reads them: blank-line separated blocks of "field: value" lines.
async function parse(body, onMessage) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    const blocks = buf.split(/\r?\n\r?\n/);
    buf = blocks.pop();
    for (const b of blocks) {
      const msg = message(b);
      if (msg) onMessage(msg);
    }
  }
}

function message(block) {
  let event = "message";
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return null;
  const text = data.join("\n");
  try { return { event, data: JSON.parse(text) }; } catch { return { event, data: text }; }
}
