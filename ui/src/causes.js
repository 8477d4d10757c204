// Ranked causal paths from the open entity; a click highlights one on the canvas.
import { el, replace } from "./dom.js";

export function pathFacts(path) {
  return path.steps.map((s) => ({
    uid: s.fact, subject: s.cause, object: s.effect, predicate: s.predicate,
    properties: {}, status: "current", valid_from: null, valid_to: null,
    recorded_at: null, expired_at: null, trust: s.strength, sources: [], text: s.text,
  }));
}

export function renderPaths(container, trace, onPick) {
  const items = trace.paths.map((path, i) =>
    el("li", { class: "path", onclick: () => onPick(path) },
      el("span", { class: "badge" }, String(i + 1)),
      path.nodes.map((n) => n.name || n.uid).join(trace.direction === "forward" ? " → " : " ← "),
      el("div", { class: "reasons" },
        `strength ${path.strength.toFixed(3)}`, path.flagged ? " · a cause starts after its effect" : "")));
  replace(container, items.length ? items : el("li", { class: "muted" }, "No causal paths."));
}
