// The workflow language as the console sees it: which step leads to which (docs/workflows.md).
// One place for the graph's edges, used by the run detail's graph and by the builder.

/**
 * The outgoing connections of one step, in a stable order:
 * `{to, kind, label}` with kind `next` (next_step_id), `case` (switch case i, label "case i: <when>"),
 * `default` (switch default_next_step_id), `body` (for_each body), `branch` (parallel branch i).
 */
export function stepEdges(step) {
  const config = step.config || {};
  const edges = [];
  switch (step.type) {
    case 'switch':
      (config.cases || []).forEach((c, i) => c && c.next_step_id && edges.push({ to: c.next_step_id, kind: 'case', index: i, label: `case ${i}` }));
      if (config.default_next_step_id) edges.push({ to: config.default_next_step_id, kind: 'default', label: 'default' });
      break;
    case 'for_each':
      if (config.body) edges.push({ to: config.body, kind: 'body', label: 'each item' });
      break;
    case 'parallel':
      (config.branches || []).forEach((b, i) => b && edges.push({ to: b, kind: 'branch', index: i, label: `branch ${i + 1}` }));
      break;
    default:
      break;
  }
  if (step.next_step_id) edges.push({ to: step.next_step_id, kind: 'next', label: '' });
  return edges;
}

/** Every edge of a workflow definition: `{from, to, kind, label, index}`. */
export function workflowEdges(definition) {
  return (definition.steps || []).flatMap((step) => stepEdges(step).map((e) => ({ from: step.id, ...e })));
}

/**
 * Lays the steps out top to bottom with dagre (vendored): returns `{id → {x, y}}` (node centres) and the
 * graph's width and height. `size(step)` gives a node's `{width, height}`.
 */
export function layout(definition, size = () => ({ width: 180, height: 56 }), direction = 'TB') {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 40, ranksep: 60, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const step of definition.steps || []) g.setNode(step.id, size(step));
  for (const edge of workflowEdges(definition)) if (g.hasNode(edge.to)) g.setEdge(edge.from, edge.to);
  dagre.layout(g);
  const positions = {};
  for (const id of g.nodes()) positions[id] = { x: g.node(id).x, y: g.node(id).y };
  return { positions, width: g.graph().width, height: g.graph().height };
}
