// The entity panel: properties, location, facts (current and closed) with their
// sources, trust and the episodes that said them, and the timeline.
import { api } from "./api.js";
import { dateOf, el, replace, show, when } from "./dom.js";
import { colourOf, isClosed } from "./graph.js";

const MAX_ROWS = 300;
const MAX_EPISODES = 10;

function nameOf(uid, names) {
  return names.get(uid)?.name || uid;
}

function properties(entity) {
  const rows = Object.entries(entity.properties).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, show(v))]);
  if (entity.location) {
    rows.push(el("dt", {}, "location"), el("dd", {}, `${entity.location.lat}, ${entity.location.lon}`));
  }
  rows.push(el("dt", {}, "uid"), el("dd", {}, entity.uid));
  return el("dl", {}, rows);
}

// A date kept on one line (a column may wrap between two dates, never inside one).
function date(iso) {
  return el("span", { class: "date" }, dateOf(iso));
}

function factRow(fact, uid, names) {
  const out = fact.subject === uid;
  const other = out ? fact.object : fact.subject;
  return el("tr", { class: isClosed(fact) ? "closed" : "", title: fact.text || "" },
    el("td", {}, out ? `→ ${fact.predicate}` : `← ${fact.predicate}`),
    el("td", {}, nameOf(other, names)),
    el("td", {}, fact.valid_from || fact.valid_to
      ? [date(fact.valid_from), " – ", fact.valid_to ? date(fact.valid_to) : "…"] : "always"),
    el("td", { title: isClosed(fact) ? `closed ${when(fact.expired_at)}` : "" },
      isClosed(fact) ? "closed" : "current"),
    el("td", {}, fact.trust === null || fact.trust === undefined ? "–" : fact.trust.toFixed(2),
      fact.verification ? ` ${fact.verification}` : "", whyButton(fact)),
    el("td", {}, fact.sources.join(", ") || "–"),
    el("td", {}, episodesButton(fact)));
}

// Why a fact has its trust, read when asked: how the predicate's values are compared
// (declared, or read from its claims, with the evidence), whether its trust is a
// calibrated probability (and why not) and the sources for and against.
function whyButton(fact) {
  if (!fact.sources.length) return null;
  const button = el("button", { type: "button", class: "why" }, "why");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const row = button.closest("tr");
    const list = el("ul", { class: "list episodes" }, el("li", { class: "muted" }, "loading …"));
    row.after(el("tr", { class: "episodes" }, el("td", { colSpan: 7 }, list)));
    try {
      replace(list, whyItems(await api.verification(fact.uid)));
    } catch (error) {
      replace(list, [el("li", { class: "muted" }, error.message)]);
    }
  });
  return button;
}

function whyItems(v) {
  const items = [];
  const kind = v.value_kind;
  if (kind) {
    const how = kind.declared ? "declared in the schema" : `read from its values: ${kind.evidence}`;
    items.push(el("li", {}, el("strong", {}, `${kind.predicate} compared as ${kind.kind}`), ` (${how})`));
  }
  const cal = v.calibration;
  if (cal) {
    const status = cal.calibrated ? "trust calibrated" : "trust not calibrated";
    items.push(el("li", { class: cal.calibrated ? "calibrated" : "uncalibrated" },
      el("strong", {}, status), ` (${cal.reason})`));
  }
  const rel = (c) => c.predicate_reliability == null
    ? (c.reliability === null ? "unscored" : c.reliability.toFixed(2))
    : `${c.predicate_reliability.toFixed(2)} on ${v.predicate}, ${c.reliability === null ? "unscored" : c.reliability.toFixed(2)} overall`;
  const said = (c) => `${c.source} (${rel(c)}): ${c.value}`;
  items.push(el("li", {}, `for: ${v.sources_for.map(said).join("; ") || "–"}`));
  if (v.sources_against.length) items.push(el("li", {}, `against: ${v.sources_against.map(said).join("; ")}`));
  return items;
}

// The episodes a fact came from, read when asked (one request each): time, speaker, text.
function episodesButton(fact) {
  const uids = fact.episodes || [];
  if (!uids.length) return "–";
  const label = uids.length === 1 ? "1 episode" : `${uids.length} episodes`;
  const button = el("button", { type: "button", class: "episodes" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    const row = button.closest("tr");
    const list = el("ul", { class: "list episodes" }, el("li", { class: "muted" }, "loading …"));
    row.after(el("tr", { class: "episodes" }, el("td", { colSpan: 7 }, list)));
    const shown = await Promise.all(uids.slice(0, MAX_EPISODES).map(episodeItem));
    if (uids.length > MAX_EPISODES) {
      shown.push(el("li", { class: "muted" }, `… and ${uids.length - MAX_EPISODES} more`));
    }
    replace(list, shown);
  });
  return button;
}

async function episodeItem(uid) {
  try {
    const { properties: p } = await api.episode(uid);
    return el("li", { title: uid },
      el("span", { class: "muted" }, `${when(p.occurred_at)} `),
      p.speaker ? el("strong", {}, `${show(p.speaker)}: `) : null,
      show(p.text));
  } catch (error) {
    return el("li", { class: "muted", title: uid }, `${uid}: ${error.message}`);
  }
}

function factTable(facts, uid, names) {
  const rows = facts.slice(0, MAX_ROWS).map((f) => factRow(f, uid, names));
  return [
    el("div", { class: "table-wrap" }, el("table", { class: "facts" },
      el("thead", {}, el("tr", {}, ["fact", "other end", "valid", "status", "trust", "sources", "said in"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows))),
    facts.length > MAX_ROWS ? el("p", { class: "muted" }, `… and ${facts.length - MAX_ROWS} more on the canvas`) : null,
  ];
}

export function renderEntity(container, detail, facts, names) {
  const { entity } = detail;
  replace(container,
    el("h2", {}, entity.properties.name ? show(entity.properties.name) : entity.uid),
    el("span", { class: "badge", style: { background: colourOf(entity.label) } }, entity.label),
    el("span", { class: "muted" }, `${facts.length} facts`),
    properties(entity),
    el("h3", {}, "Facts"),
    facts.length ? factTable(facts, entity.uid, names) : el("p", { class: "muted" }, "No facts."),
    el("h3", {}, "Timeline"),
    el("ol", { id: "timeline", class: "list" }, el("li", { class: "muted" }, "loading …")));
}

export function renderTimeline(container, timeline, names) {
  const items = timeline.entries.map(({ direction, fact }) =>
    el("li", { class: isClosed(fact) ? "closed" : "" },
      el("span", { class: "muted" }, `${when(fact.valid_from || fact.recorded_at)} `),
      direction === "outgoing" ? `${fact.predicate} → ${nameOf(fact.object, names)}`
        : `${nameOf(fact.subject, names)} → ${fact.predicate}`,
      fact.text ? el("div", { class: "reasons" }, fact.text) : null));
  replace(container, items.length ? items : el("li", { class: "muted" }, "Nothing on the timeline."));
}
