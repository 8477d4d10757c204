// The REST API with the user's key (entered once, kept in sessionStorage for this tab).

const KEY = "kgmem.key";
const NAMESPACE = "kgmem.namespace";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY) || ""; },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
  get namespace() { return sessionStorage.getItem(NAMESPACE) || ""; },
  set namespace(value) { sessionStorage.setItem(NAMESPACE, value); },
};

export async function call(path, { method = "GET", body, query } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
  const headers = { Accept: "application/json" };
  if (session.key) headers.Authorization = `Bearer ${session.key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

// A path under the chosen namespace.
export function ns(path) {
  return `/v1/namespaces/${encodeURIComponent(session.namespace)}${path}`;
}

export function entityPath(uid, suffix = "") {
  return ns(`/entities/${uid.split("/").map(encodeURIComponent).join("/")}${suffix}`);
}

function segments(uid) {
  return uid.split("/").map(encodeURIComponent).join("/");
}

export const api = {
  namespaces: () => call("/v1/namespaces"),
  episode: (uid) => call(ns(`/episodes/${segments(uid)}`)),
  search: (body) => call(ns("/search"), { method: "POST", body }),
  entity: (uid, factsLimit) =>
    call(entityPath(uid), { query: { include_closed: true, facts_limit: factsLimit } }),
  timeline: (uid) => call(entityPath(uid, "/timeline"), { query: { limit: 200 } }),
  verification: (uid) => call(ns(`/facts/${segments(uid)}/verification`)),
  trace: (anchor, direction) =>
    call(ns("/causal/trace"), { query: { anchor, direction, depth: 4, limit: 50 } }),
  cypher: (query, params = {}, limit) =>
    call(ns("/cypher"), { method: "POST", body: { query, params, mode: "read", limit } }),
};

// Up to ``limit`` facts with ``uid`` as their ``side`` ("subject" or "object"), closed
// ones included, page after page (a page holds at most the server's page size).
export async function factsAround(uid, side, limit) {
  const facts = [];
  let cursor;
  do {
    const page = await call(ns("/facts"), {
      query: { [side]: uid, include_closed: true, cursor, limit: Math.min(1000, limit - facts.length) },
    });
    facts.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && facts.length < limit);
  return facts;
}

// Label and name of each uid, in one read query (one uid lookup per row: a tenth of
// the time of ``n.uid IN $uids``, which compares every vertex with the whole list).
export async function describe(uids) {
  if (!uids.length) return new Map();
  const result = await api.cypher(
    "UNWIND $uids AS u MATCH (n) WHERE n.uid = u"
      + " RETURN n.uid AS uid, label(n) AS label, n.name AS name, n.text AS text, n.speaker AS speaker",
    { uids },
    uids.length,
  );
  return new Map(result.rows.map(([uid, label, name, text, speaker]) =>
    [uid, { label, name: name ?? titleOf(text, speaker) }]));
}

const TITLE = 60;

// An episode (which has no name) is shown by its speaker and the start of its text.
function titleOf(text, speaker) {
  if (typeof text !== "string") return null;
  const short = text.length > TITLE ? `${text.slice(0, TITLE - 1).trimEnd()}…` : text;
  return speaker ? `${speaker}: “${short}”` : `“${short}”`;
}
