// The canvas: a graphology graph drawn by sigma (WebGL). Nodes are entities coloured
// by label; edges are facts, as wide as their trust, dashed once closed, hidden when
// the chosen valid or known time falls outside them.
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";
import { NodePointProgram } from "sigma/rendering";
import { EdgeDashedProgram } from "./dashed.js";
import { EdgeQuadProgram } from "./edges.js";

const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
];
const GOLDEN = Math.PI * (3 - Math.sqrt(5));
const DIM = "#e4e6eb";
const LARGE = 500; // nodes or edges from which the canvas saves work (fitSettings)
const SLICE_MS = 12; // layout work between two chances for the page to answer

export function colourOf(label) {
  let h = 0;
  for (const ch of label || "") h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

export function isClosed(fact) {
  return fact.status === "closed" || Boolean(fact.expired_at);
}

const ms = (iso) => (iso ? Date.parse(iso) : null);

// A fact's times in milliseconds, parsed once: [valid from, valid to, recorded, expired].
export function span(fact) {
  return [ms(fact.valid_from), ms(fact.valid_to), ms(fact.recorded_at), ms(fact.expired_at)];
}

// Whether a fact of ``span`` holds at valid time ``validAt`` as known at ``knownAt``
// (milliseconds; null: any time).
export function holds([from, to, recorded, expired], validAt, knownAt) {
  if (validAt !== null && ((from !== null && from > validAt) || (to !== null && to <= validAt))) {
    return false;
  }
  return knownAt === null
    || !((recorded !== null && recorded > knownAt) || (expired !== null && expired <= knownAt));
}

export class GraphView {
  constructor(container, { onClick }) {
    this.graph = new Graph({ multi: true, type: "directed", allowSelfLoops: true });
    this.validAt = null;
    this.knownAt = null;
    this.focus = null; // {nodes: Set, edges: Set} of a highlighted causal path
    this.laying = null; // the running layout's promise
    this.sigma = new Sigma(this.graph, container, {
      // Nodes as round points and edges as plain quads: no instanced draws, which a
      // browser without a GPU (software WebGL) pays dearly per item (see edges.js).
      defaultNodeType: "point",
      nodeProgramClasses: { point: NodePointProgram },
      defaultEdgeType: "solid",
      edgeProgramClasses: { solid: EdgeQuadProgram, dashed: EdgeDashedProgram },
      labelRenderedSizeThreshold: 5,
      labelDensity: 0.2,
      stagePadding: 60,
      zIndex: true,
      // The canvas may be hidden (map view) when the graph changes.
      allowInvalidContainer: true,
      nodeReducer: (node, data) => this.nodeLook(node, data),
      edgeReducer: (edge, data) => this.edgeLook(edge, data),
    });
    this.sigma.on("clickNode", ({ node }) => onClick(node));
    // Sigma sizes itself only when it draws: a draw while the canvas had no room leaves
    // it drawing into one pixel until the next draw.
    new ResizeObserver(() => this.sigma.scheduleRefresh()).observe(container);
  }

  nodeLook(node, data) {
    if (!this.focus || this.focus.nodes.has(node)) return { ...data, zIndex: 1 };
    return { ...data, color: DIM, label: "", zIndex: 0 };
  }

  edgeLook(edge, data) {
    const look = { ...data, hidden: !holds(data.span, this.validAt, this.knownAt) };
    if (this.focus) {
      const on = this.focus.edges.has(edge);
      look.color = on ? "#d62728" : DIM;
      look.size = on ? Math.max(3, data.size) : data.size;
      look.zIndex = on ? 1 : 0;
    }
    return look;
  }

  clear() {
    this.graph.clear();
    this.focus = null;
  }

  // Add ``uid`` (with its label and name) near ``parent``; a no-op if it is drawn.
  addNode(uid, info, parent) {
    if (this.graph.hasNode(uid)) return false;
    let x = 0, y = 0;
    if (parent && this.graph.hasNode(parent)) {
      const p = this.graph.getNodeAttributes(parent);
      const i = (p.children = (p.children || 0) + 1);
      const r = 2 * Math.sqrt(i) * (p.hop ? 0.5 : 1);
      x = p.x + r * Math.cos(i * GOLDEN);
      y = p.y + r * Math.sin(i * GOLDEN);
    }
    const hop = parent && this.graph.hasNode(parent)
      ? this.graph.getNodeAttribute(parent, "hop") + 1 : 0;
    this.graph.addNode(uid, {
      x, y, hop, label: info?.name || uid, kind: info?.label || "?",
      color: colourOf(info?.label), size: hop === 0 ? 12 : 6,
    });
    return true;
  }

  addFact(fact) {
    if (this.graph.hasEdge(fact.uid)) return;
    if (!this.graph.hasNode(fact.subject) || !this.graph.hasNode(fact.object)) return;
    const closed = isClosed(fact);
    this.graph.addDirectedEdgeWithKey(fact.uid, fact.subject, fact.object, {
      fact,
      span: span(fact),
      label: fact.predicate,
      type: closed ? "dashed" : "solid",
      size: 1 + 4 * (fact.trust ?? 0.25),
      color: closed ? "#9aa0aa" : "#5b6b85",
    });
  }

  // Draw ``uid``'s facts and their other ends (``names``: uid -> {label, name}).
  expand(uid, facts, names) {
    for (const fact of facts) {
      const other = fact.subject === uid ? fact.object : fact.subject;
      this.addNode(other, names.get(other), uid);
    }
    for (const fact of facts) this.addFact(fact);
  }

  // Large graphs stay interactive: smaller nodes, and edges and labels rest while the
  // camera moves (filling hundreds of long edges is most of a frame's cost under
  // software WebGL; see docs/explorer.md). Called whenever the canvas changes.
  fitSettings() {
    const size = this.graph.order > LARGE ? 3 : 6;
    this.graph.updateEachNodeAttributes((node, a) => (a.hop === 0 || a.size === size ? a : { ...a, size }));
    this.sigma.setSetting("hideEdgesOnMove", this.graph.size > LARGE);
    this.sigma.setSetting("hideLabelsOnMove", this.graph.order > LARGE);
  }

  setTime(validAt, knownAt) {
    this.validAt = validAt;
    this.knownAt = knownAt;
    this.sigma.refresh();
  }

  highlight(nodes, edges) {
    this.focus = nodes ? { nodes: new Set(nodes), edges: new Set(edges) } : null;
    this.sigma.refresh();
  }

  facts() {
    return this.graph.mapEdges((edge, data) => data.fact);
  }

  counts() {
    let drawn = 0;
    this.graph.forEachEdge((edge, data) => {
      if (holds(data.span, this.validAt, this.knownAt)) drawn += 1;
    });
    return { nodes: this.graph.order, edges: this.graph.size, drawn };
  }

  // A force-directed layout (ForceAtlas2) from the current positions, a bounded number
  // of iterations. They run on a copy of the graph in slices of about one frame, so the
  // page keeps answering, and the canvas takes the positions once at the end (moving
  // the drawn graph each slice would make sigma process and draw it each time).
  // Resolves with the iterations run; a second call while one runs gets the same.
  layout() {
    if (this.laying) return this.laying;
    const total = this.graph.order > 2000 ? 30 : 100;
    const settings = { ...forceAtlas2.inferSettings(this.graph), barnesHutOptimize: this.graph.order > 500 };
    const copy = this.graph.copy();
    let done = 0;
    this.laying = new Promise((resolve) => {
      const slice = () => {
        const start = performance.now();
        while (done < total && performance.now() - start < SLICE_MS) {
          forceAtlas2.assign(copy, { iterations: 1, settings });
          done += 1;
        }
        if (done < total) {
          setTimeout(slice, 0);
          return;
        }
        // One update of every position (one event for sigma), for the nodes still drawn.
        this.graph.updateEachNodeAttributes((node, a) => {
          if (!copy.hasNode(node)) return a;
          const { x, y } = copy.getNodeAttributes(node);
          return { ...a, x, y };
        }, { attributes: ["x", "y"] });
        this.laying = null;
        resolve(done);
      };
      slice();
    });
    return this.laying;
  }

  afterNextDraw(callback) {
    this.sigma.once("afterRender", callback);
  }
}
