// The explorer's page: key and namespace, search, entity, canvas, time, map, causes, Cypher.
import { api, describe, factsAround, session } from "./api.js";
import { pathFacts, renderPaths } from "./causes.js";
import { graphOf, renderTable } from "./cypher.js";
import { $, el, replace, when } from "./dom.js";
import { renderEntity, renderTimeline } from "./entity.js";
import { colourOf, GraphView } from "./graph.js";
import { circle, MapView } from "./map.js";
import { renderHits } from "./search.js";

const ANY = 1000;
const PAGE = 1000; // the server's default largest page
const state = { open: null, lastCypher: null, placesLoaded: false, domain: null };
let graph, map;

function status(text, error = false) {
  $("#status").textContent = text;
  $("#status").className = error ? "error" : "";
}

// Run ``work``; a failure is shown in the status line, never thrown at the user.
async function guarded(work) {
  try {
    return await work();
  } catch (error) {
    status(error.message, true);
    if (error.status === 401) $("#key").focus();
    return undefined;
  }
}

function showTab(name) {
  for (const b of document.querySelectorAll("#side-tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll("aside .tab")) s.hidden = s.id !== `tab-${name}`;
}

function showView(name) {
  for (const b of document.querySelectorAll("#view-tabs button[data-view]")) b.classList.toggle("active", b.dataset.view === name);
  $("#graph").hidden = name !== "graph";
  $("#map-view").hidden = name !== "map";
  if (name === "map") guarded(loadPlaces);
}

async function loadNamespaces() {
  const list = await api.namespaces();
  const select = $("#namespace");
  replace(select, list.map((n) => el("option", { value: n.name }, n.name)));
  if (!list.some((n) => n.name === session.namespace)) session.namespace = list[0]?.name || "";
  select.value = session.namespace;
  $("#forget-key").hidden = !session.key;
  status(list.length ? `${list.length} namespaces` : "This key sees no namespace.");
}

function resetNamespace() {
  graph.clear();
  state.open = null;
  state.placesLoaded = false;
  replace($("#hits"));
  replace($("#paths"));
  replace($("#entity"), el("p", { class: "hint" }, "Open an entity from the search, the map or the canvas."));
  refreshGraph();
}

// ---- canvas, legend and time ---------------------------------------------------

function refreshGraph() {
  graph.fitSettings();
  const { nodes, edges, drawn } = graph.counts();
  $("#graph-stats").textContent = `${nodes} nodes · ${drawn} of ${edges} facts drawn`;
  const labels = new Set(graph.graph.mapNodes((n, a) => a.kind));
  replace($("#legend"),
    [...labels].sort().map((l) => el("span", {}, el("span", { class: "swatch", style: { background: colourOf(l) } }), l)),
    el("span", { class: "muted" }, "width: trust · dashed: closed"));
  updateDomain();
}

function updateDomain() {
  const times = graph.facts().flatMap((f) => [f.valid_from, f.valid_to, f.recorded_at, f.expired_at])
    .filter(Boolean).map(Date.parse);
  const end = Date.now();
  const start = times.reduce((a, b) => Math.min(a, b), end);
  state.domain = [times.length ? start : end - 365 * 864e5, end];
  applyTime();
}

function sliderTime(input) {
  const v = Number(input.value);
  if (v >= ANY) return null;
  const [start, end] = state.domain;
  return start + ((end - start) * v) / (ANY - 1);
}

function applyTime() {
  const validAt = sliderTime($("#valid-time")), knownAt = sliderTime($("#known-time"));
  $("#valid-out").textContent = validAt === null ? "any" : when(new Date(validAt).toISOString());
  $("#known-out").textContent = knownAt === null ? "any" : when(new Date(knownAt).toISOString());
  graph.setTime(validAt, knownAt);
  const { nodes, edges, drawn } = graph.counts();
  $("#graph-stats").textContent = `${nodes} nodes · ${drawn} of ${edges} facts drawn`;
}

// ---- entities --------------------------------------------------------------------

function perHop() {
  return Math.max(1, Math.min(10000, Number($("#per-hop").value) || 200));
}

// ``first`` (what the entity read returned), or all ``limit`` facts on that side when
// the read stopped at the server's page size.
async function allOf(uid, side, first, limit) {
  return first.length >= limit || first.length < PAGE ? first : factsAround(uid, side, limit);
}

// Open ``uid``: its panel, and its neighbourhood on the canvas (a fresh canvas when
// ``fresh``, else expanded in place).
async function openEntity(uid, fresh = false) {
  performance.clearMarks();
  performance.mark("kgmem:open");
  status(`opening ${uid} …`);
  const limit = perHop();
  const detail = await api.entity(uid, limit);
  performance.mark("kgmem:read");
  const facts = [
    ...(await allOf(uid, "subject", detail.outgoing, limit)),
    ...(await allOf(uid, "object", detail.incoming, limit)),
  ];
  const ends = new Set(facts.flatMap((f) => [f.subject, f.object]));
  const names = await describe([...ends].filter((u) => u !== uid && (fresh || !graph.graph.hasNode(u))));
  for (const u of ends) if (!names.has(u) && graph.graph.hasNode(u)) {
    const a = graph.graph.getNodeAttributes(u);
    names.set(u, { label: a.kind, name: a.label });
  }
  performance.mark("kgmem:fetched");
  if (fresh) graph.clear();
  graph.addNode(uid, { label: detail.entity.label, name: detail.entity.properties.name });
  graph.afterNextDraw(() => performance.mark("kgmem:drawn"));
  graph.expand(uid, facts, names);
  state.open = detail.entity;
  refreshGraph();
  renderEntity($("#entity"), detail, facts, names);
  $("#trace-anchor").textContent = detail.entity.properties.name || uid;
  showTab("entity");
  status(`${detail.entity.uid}: ${facts.length} facts`);
  const timeline = await api.timeline(uid);
  renderTimeline($("#timeline"), timeline, names);
}

// ---- panels ----------------------------------------------------------------------

async function search(event) {
  event.preventDefault();
  const text = $("#search-text").value.trim();
  if (!text) return;
  const result = await api.search({ text, k: 25 });
  renderHits($("#hits"), result.hits, (uid) => guarded(() => openEntity(uid, true)));
  status(`${result.hits.length} hits`);
}

async function trace() {
  if (!state.open) return status("Open an entity first.", true);
  const result = await api.trace(state.open.uid, $("#trace-direction").value);
  renderPaths($("#paths"), result, showPath);
  if (result.paths.length) showPath(result.paths[0]);
  status(`${result.paths.length} causal paths`);
}

function showPath(path) {
  path.nodes.forEach((n, i) => graph.addNode(n.uid, n, i ? path.nodes[i - 1].uid : null));
  const facts = pathFacts(path);
  facts.forEach((f) => graph.addFact(f));
  graph.highlight(path.nodes.map((n) => n.uid), facts.map((f) => f.uid));
  refreshGraph();
}

async function runCypher(event) {
  event?.preventDefault();
  const result = await api.cypher($("#cypher-text").value);
  state.lastCypher = result;
  renderTable($("#cypher-out"), result);
  status(`${result.rows.length} rows`);
  return result;
}

async function drawCypher() {
  const result = state.lastCypher || (await runCypher());
  const { entities, facts } = graphOf(result);
  entities.forEach((e, i) => graph.addNode(e.uid, e, i ? entities[0].uid : null));
  facts.forEach((f) => graph.addFact(f));
  refreshGraph();
  showView("graph");
}

// ---- places ------------------------------------------------------------------------

const WORLD = { box: [-90, -180, 90, 180] };

function point(hit, inside) {
  const e = hit.entity;
  return { uid: e.uid, label: e.label, name: e.properties.name || e.uid, lat: e.location.lat, lon: e.location.lon, inside };
}

async function placesIn(place) {
  const result = await api.search({ place, types: ["entities"], k: 1000 });
  return result.hits.filter((h) => h.entity?.location);
}

async function loadPlaces() {
  if (state.placesLoaded) return;
  const hits = await placesIn(WORLD);
  map.setPoints(hits.map((h) => point(h, false)));
  map.setArea(null);
  state.placesLoaded = true;
  $("#map-stats").textContent = `${hits.length} located entities`;
}

async function searchArea(area) {
  const place = area.box ? { box: area.box } : { near: area.near, radius_km: Number($("#radius").value) || 500 };
  const inside = new Set((await placesIn(place)).map((h) => h.entity.uid));
  map.setArea(area.box ? { box: area.box } : { ring: circle(area.near.lat, area.near.lon, place.radius_km) });
  map.setPoints(map.points.map((p) => ({ ...p, inside: inside.has(p.uid) })));
  const found = map.points.filter((p) => p.inside);
  replace($("#places"), found.map((p) => el("li", { onclick: () => guarded(() => openEntity(p.uid, true)) },
    el("span", { class: "badge", style: { background: colourOf(p.label) } }, p.label), p.name,
    el("span", { class: "muted" }, ` ${p.lat.toFixed(2)}, ${p.lon.toFixed(2)}`))));
  $("#map-stats").textContent = `${found.length} of ${map.points.length} located entities in the area`;
}

// ---- start -------------------------------------------------------------------------

function wire() {
  graph = new GraphView($("#graph"), { onClick: (uid) => guarded(() => openEntity(uid)) });
  map = new MapView($("#map"), { onArea: (area) => guarded(() => searchArea(area)) });
  // For scripting from the browser's console (and the end-to-end tests): the canvas.
  window.kgmem = { graph };
  $("#key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    session.key = $("#key").value.trim();
    $("#key").value = "";
    guarded(loadNamespaces).then(resetNamespace);
  });
  $("#forget-key").addEventListener("click", () => { session.key = ""; location.reload(); });
  $("#namespace").addEventListener("change", (e) => { session.namespace = e.target.value; resetNamespace(); });
  $("#search-form").addEventListener("submit", (e) => guarded(() => search(e)));
  $("#trace-run").addEventListener("click", () => guarded(trace));
  $("#cypher-form").addEventListener("submit", (e) => guarded(() => runCypher(e)));
  $("#cypher-draw").addEventListener("click", () => guarded(drawCypher));
  $("#layout").addEventListener("click", () => { graph.layout(); graph.highlight(null); });
  $("#clear").addEventListener("click", () => { graph.clear(); refreshGraph(); });
  $("#valid-time").addEventListener("input", applyTime);
  $("#known-time").addEventListener("input", applyTime);
  for (const b of document.querySelectorAll("#side-tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  // Only the view tabs: Layout and Clear sit in the same bar and act on the canvas.
  for (const b of document.querySelectorAll("#view-tabs button[data-view]")) b.addEventListener("click", () => showView(b.dataset.view));
  showTab("search");
  showView("graph");
  refreshGraph();
  guarded(loadNamespaces);
}

document.addEventListener("DOMContentLoaded", wire);
