// The search list: fused hits with the reason each axis gives.
import { el, replace, show } from "./dom.js";
import { colourOf } from "./graph.js";

function title(hit) {
  if (hit.entity) return show(hit.entity.properties.name || hit.entity.properties.text || hit.entity.uid);
  if (hit.fact) return hit.fact.text || `${hit.fact.subject} ${hit.fact.predicate} ${hit.fact.object}`;
  return hit.uid;
}

// The entity a hit opens: the entity itself, or a fact's subject.
export function target(hit) {
  return hit.entity ? hit.entity.uid : hit.fact ? hit.fact.subject : hit.uid;
}

export function renderHits(container, hits, onOpen) {
  const items = hits.map((hit) => {
    const label = hit.entity ? hit.entity.label : hit.kind;
    const reasons = Object.entries(hit.reasons || {}).map(([axis, why]) => `${axis}: ${why}`);
    return el("li", { class: "hit", onclick: () => onOpen(target(hit)) },
      el("span", { class: "badge", style: { background: colourOf(label) } }, label),
      el("span", { class: "hit-title" }, title(hit)),
      el("span", { class: "muted" }, ` ${hit.score.toFixed(3)}`),
      el("div", { class: "reasons" }, reasons.join(" · ")));
  });
  replace(container, items.length ? items : el("li", { class: "muted" }, "No hits."));
}
