// Reads a GEXF file with graphology-gexf (the GEXF reader of Gephi's JavaScript
// family, sigma.js and graphology) and prints the graph graphology built as JSON:
// {"nodes": [{key, attributes}], "edges": [{key, source, target, attributes}]}.
// Usage: NODE_PATH=ui/node_modules node read_gexf.cjs FILE
const fs = require("fs");
const Graph = require("graphology");
const gexf = require("graphology-gexf");

const graph = gexf.parse(Graph, fs.readFileSync(process.argv[2], "utf8"));
const { nodes, edges } = graph.export();
process.stdout.write(JSON.stringify({ type: graph.type, multi: graph.multi, nodes, edges }));
