// An order's saga drawn as a waterfall: one lane per service, each entry
// placed in time. An entry is a row of a kind: "event" (a point, one
// timeline event, on the lane's upper row) or "span" (a bar from start to
// end, one span of the order's trace, on the rows below, one row per level
// of nesting inside the service).

const svgNS = "http://www.w3.org/2000/svg";

/** lanes are the services in saga order; a source not listed gets its own lane after them. */
export const lanes = ["gateway", "order", "inventory", "payment", "notification"];

const geometry = { width: 1000, label: 120, right: 20, lane: 56, axis: 28, spanRow: 10, spanRows: 3 };

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

/**
 * fromTrace turns the spans of GET /api/v1/orders/{id}/trace into waterfall
 * entries, each with its depth: how many of its ancestors ran in the same
 * service, so that a nested span draws below its parent.
 */
export function fromTrace(spans) {
  const byID = new Map(spans.map((s) => [s.span_id, s]));
  return spans.map((s) => {
    const start = new Date(s.start);
    return {
      kind: "span",
      lane: service(s.service),
      label: s.name,
      start,
      end: new Date(+start + Math.max(Number(s.duration_ms) || 0, 0)),
      spanKind: s.kind || "internal",
      depth: depth(s, byID),
      traceID: "",
    };
  });
}

// depth counts the span's ancestors in its own service, bounded so that a
// cycle in a broken trace cannot loop.
function depth(s, byID) {
  let d = 0;
  for (let p = byID.get(s.parent_id), n = 0; p && n < 64; p = byID.get(p.parent_id), n++) {
    if (p.service === s.service) d++;
  }
  return d;
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
  const hasSpans = entries.some((e) => e.kind === "span");
  const laneHeight = g.lane + (hasSpans ? g.spanRows * g.spanRow + 6 : 0);
  const height = g.axis + names.length * laneHeight;
  const root = svg("svg", { viewBox: `0 0 ${g.width} ${height}`, class: "waterfall", role: "img" });
  const spans = entries.filter((e) => e.kind === "span").length;
  root.append(svg("title", {}, `Saga waterfall: ${entries.length - spans} events and ${spans} spans across ${names.length} services`));
  const t0 = Math.min(...entries.map((e) => +e.start));
  const t1 = Math.max(...entries.map((e) => +(e.end || e.start)));
  const span = Math.max(t1 - t0, 1);
  const x = (t) => g.label + ((+t - t0) / span) * (g.width - g.label - g.right);
  axis(root, span, x, t0, height);
  names.forEach((name, i) => lane(root, name, g.axis + i * laneHeight, laneHeight));
  entries.forEach((e, i) => mark(root, e, x, g.axis + names.indexOf(e.lane) * laneHeight, i, t0));
  container.replaceChildren(root);
}

function axis(root, span, x, t0, height) {
  for (let k = 0; k <= 4; k++) {
    const t = t0 + (span * k) / 4;
    root.append(svg("line", { x1: x(t), x2: x(t), y1: 18, y2: height, class: "gridline" }));
    root.append(svg("text", { x: x(t), y: 14, class: "tick", "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle" }, `+${Math.round(t - t0)} ms`));
  }
}

function lane(root, name, y, height) {
  root.append(svg("rect", { x: 0, y, width: geometry.width, height, class: "lane" }));
  root.append(svg("text", { x: 8, y: y + geometry.lane / 2 + 5, class: "lane-name" }, name));
}

// mark draws one entry: a dot for an event, with its label above or below
// in turn so that neighbours do not overlap; a bar for a span, below the
// events, labelled only in its tooltip, since a saga has many.
function mark(root, e, x, y, i, t0) {
  const g = svg("g", { class: "entry " + e.kind, "data-type": e.label, "data-lane": e.lane, tabindex: 0 });
  const offset = `+${Math.round(+e.start - t0)} ms`;
  if (e.kind === "span") {
    const ms = Math.round((+e.end - +e.start) * 10) / 10;
    g.setAttribute("data-kind", e.spanKind);
    g.append(svg("title", {}, `${e.label} (${e.spanKind} span) in ${e.lane} at ${offset}, ${ms} ms`));
    const row = Math.min(e.depth || 0, geometry.spanRows - 1);
    g.append(svg("rect", { x: x(e.start), y: y + geometry.lane + row * geometry.spanRow, width: Math.max(x(e.end) - x(e.start), 2), height: geometry.spanRow - 2, rx: 2 }));
    root.append(g);
    return;
  }
  const mid = y + geometry.lane / 2;
  g.append(svg("title", {}, `${e.label} from ${e.lane} at ${offset}${e.traceID ? ", trace " + e.traceID : ""}`));
  g.append(svg("circle", { cx: x(e.start), cy: mid, r: 7 }));
  const right = x(e.start) > geometry.width - 200;
  g.append(svg("text", { x: x(e.start) + (right ? -10 : 10), y: mid + (i % 2 ? 20 : -10), "text-anchor": right ? "end" : "start" }, e.label));
  root.append(g);
}
