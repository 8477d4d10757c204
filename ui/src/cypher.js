// The Cypher panel: read queries, answered as a table or drawn on the canvas.
import { el, replace, show } from "./dom.js";

function cell(value) {
  if (value && value.kind === "node") return `(:${value.label} ${show(value.properties.name ?? value.properties.uid)})`;
  if (value && value.kind === "relationship") return `[:${value.label}]`;
  if (value && value.kind === "path") return `path of ${value.relationships.length}`;
  return show(value);
}

export function renderTable(container, result) {
  replace(container,
    el("p", { class: "muted" }, `${result.rows.length} rows${result.truncated ? " (truncated)" : ""} in ${result.timings.total_ms.toFixed(1)} ms`),
    el("table", { id: "cypher-table" },
      el("thead", {}, el("tr", {}, result.columns.map((c) => el("th", {}, c)))),
      el("tbody", {}, result.rows.map((row) => el("tr", {}, row.map((v) => el("td", {}, cell(v))))))));
}

// Nodes and relationships anywhere in the rows (paths included), keyed by graph id.
export function graphOf(result) {
  const nodes = new Map(), rels = new Map();
  const visit = (v) => {
    if (!v || typeof v !== "object") return;
    if (Array.isArray(v)) return v.forEach(visit);
    if (v.kind === "node") nodes.set(v.id, v);
    else if (v.kind === "relationship") rels.set(v.id, v);
    else if (v.kind === "path") { v.nodes.forEach(visit); v.relationships.forEach(visit); }
  };
  result.rows.forEach(visit);
  const uidOf = (id) => nodes.get(id)?.properties.uid ?? `#${id}`;
  const facts = [...rels.values()].map((r) => ({
    status: r.properties.expired_at ? "closed" : "current", trust: null, sources: [],
    ...r.properties, uid: r.properties.uid ?? `#${r.id}`, subject: uidOf(r.start),
    object: uidOf(r.end), predicate: r.label,
  }));
  const entities = [...nodes.values()].map((n) => ({
    uid: n.properties.uid ?? `#${n.id}`, label: n.label, name: n.properties.name,
  }));
  return { entities, facts };
}
