// An order's saga drawn as a waterfall: one lane per service, each entry
// placed in time. An entry is a row of a kind: "event" (a point, one
// timeline event) today, "span" (a bar from start to end) when traces are
// read, so spans join as another kind without changing the drawing.

const svgNS = "http://www.w3.org/2000/svg";

/** lanes are the services in saga order; a source not listed gets its own lane after them. */
export const lanes = ["gateway", "order", "inventory", "payment", "notification"];

const geometry = { width: 1000, label: 120, right: 20, lane: 56, axis: 28 };

/** fromTimeline turns the timeline's events into waterfall entries. */
export function fromTimeline(events) {
  return events.map((e) => ({
    kind: "event",
    lane: service(e.source),
    label: e.type,
    start: new Date(e.time),
    end: null,
    traceID: e.trace_id || "",
  }));
}

/** service is the lane of an event source such as "order" or "eventshop/order". */
export function service(source) {
  const s = String(source || "unknown");
  return s.slice(s.lastIndexOf("/") + 1);
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** draw renders entries into container as an SVG waterfall. */
export function draw(container, entries) {
  const names = [...lanes.filter((l) => l !== "gateway" || entries.some((e) => e.lane === l))];
  for (const e of entries) if (!names.includes(e.lane)) names.push(e.lane);
  const g = geometry;
  const height = g.axis + names.length * g.lane;
  const root = svg("svg", { viewBox: `0 0 ${g.width} ${height}`, class: "waterfall", role: "img" });
  root.append(svg("title", {}, `Saga waterfall: ${entries.length} entries across ${names.length} services`));
  const t0 = Math.min(...entries.map((e) => +e.start));
  const t1 = Math.max(...entries.map((e) => +(e.end || e.start)));
  const span = Math.max(t1 - t0, 1);
  const x = (t) => g.label + ((+t - t0) / span) * (g.width - g.label - g.right);
  axis(root, span, x, t0, height);
  names.forEach((name, i) => lane(root, name, g.axis + i * g.lane));
  entries.forEach((e, i) => mark(root, e, x, g.axis + names.indexOf(e.lane) * g.lane, i, t0));
  container.replaceChildren(root);
}

function axis(root, span, x, t0, height) {
  for (let k = 0; k <= 4; k++) {
    const t = t0 + (span * k) / 4;
    root.append(svg("line", { x1: x(t), x2: x(t), y1: 18, y2: height, class: "gridline" }));
    root.append(svg("text", { x: x(t), y: 14, class: "tick", "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle" }, `+${Math.round(t - t0)} ms`));
  }
}

function lane(root, name, y) {
  root.append(svg("rect", { x: 0, y, width: geometry.width, height: geometry.lane, class: "lane" }));
  root.append(svg("text", { x: 8, y: y + geometry.lane / 2 + 5, class: "lane-name" }, name));
}

// mark draws one entry: a dot for an event, a bar for a span, with its
// label above or below in turn so that neighbours do not overlap.
function mark(root, e, x, y, i, t0) {
  const g = svg("g", { class: "entry " + e.kind, "data-type": e.label, "data-lane": e.lane, tabindex: 0 });
  const mid = y + geometry.lane / 2;
  const offset = `+${Math.round(+e.start - t0)} ms`;
  g.append(svg("title", {}, `${e.label} from ${e.lane} at ${offset}${e.traceID ? ", trace " + e.traceID : ""}`));
  if (e.kind === "span" && e.end) {
    g.append(svg("rect", { x: x(e.start), y: mid - 6, width: Math.max(x(e.end) - x(e.start), 2), height: 12, rx: 3 }));
  } else {
    g.append(svg("circle", { cx: x(e.start), cy: mid, r: 7 }));
  }
  const right = x(e.start) > geometry.width - 200;
  g.append(svg("text", { x: x(e.start) + (right ? -10 : 10), y: mid + (i % 2 ? 20 : -10), "text-anchor": right ? "end" : "start" }, e.label));
  root.append(g);
}
