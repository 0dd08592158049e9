// The builder's canvas: a Drawflow editor showing a builder graph (components/builder-model.js). Drawflow does the
// drawing, node dragging, panning, zoom and connecting by dragging from an output port to an input; this file maps
// its node numbers and output_<k> ports to step ids and named ports, and reports the user's changes.
import { ports as portsOf, toDefinition } from './builder-model.js';
import { layout } from '../model.js';

const esc = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Node size used for layout and for placing dropped steps (CSS keeps nodes about this big). */
export const NODE_SIZE = { width: 190, height: 64 };

/**
 * Creates the canvas in `container`. `handlers`: onSelect(stepId|null), onConnect(from, port, to),
 * onDisconnect(from, port), onRemove(stepId), onMove(stepId, {x, y}), onConnectionSelect(selected).
 */
export function createCanvas(container, types, handlers) {
  const editor = new Drawflow(container);
  editor.reroute = false;
  editor.zoom_min = 0.4;
  editor.force_first_input = true; // a connection dropped anywhere on a node goes to its input
  editor.start();
  // Drawflow's Delete key reads the element last clicked; a step selected from the list (no click yet) must not
  // make that throw.
  editor.first_click = container;

  let syncing = false; // true while we change Drawflow ourselves: its events are then not the user's
  let stepOf = new Map(); // drawflow id → step id
  let dfOf = new Map(); // step id → drawflow id
  let portsByStep = new Map(); // step id → [{port, label}] as drawn
  let selected = null;
  let statuses = {};
  let problems = new Set();
  let entry = null;

  const portOf = (stepId, outputClass) => {
    const list = portsByStep.get(stepId) || [];
    const k = Number(String(outputClass).replace('output_', '')) - 1;
    return list[k] && list[k].port;
  };
  const outputClass = (stepId, port) => {
    const k = (portsByStep.get(stepId) || []).findIndex((p) => p.port === port);
    return k < 0 ? null : `output_${k + 1}`;
  };
  const element = (stepId) => (dfOf.has(stepId) ? container.querySelector(`#node-${dfOf.get(stepId)}`) : null);

  editor.on('connectionCreated', (c) => {
    if (syncing) return;
    const from = stepOf.get(String(c.output_id));
    const to = stepOf.get(String(c.input_id));
    const port = portOf(from, c.output_class);
    // A port leads to one step: drop the connection it had before (Drawflow would keep both).
    const previous = editor.getNodeFromId(c.output_id).outputs[c.output_class].connections
      .filter((x) => String(x.node) !== String(c.input_id));
    syncing = true;
    try {
      for (const p of previous) editor.removeSingleConnection(c.output_id, p.node, c.output_class, p.output);
    } finally { syncing = false; }
    if (from && to && port) handlers.onConnect(from, port, to);
  });
  editor.on('connectionRemoved', (c) => {
    if (syncing) return;
    const from = stepOf.get(String(c.output_id));
    const port = portOf(from, c.output_class);
    if (from && port) handlers.onDisconnect(from, port);
  });
  editor.on('nodeRemoved', (id) => {
    if (syncing) return;
    const step = stepOf.get(String(id));
    if (step) handlers.onRemove(step);
  });
  editor.on('nodeSelected', (id) => {
    if (syncing) return;
    selected = stepOf.get(String(id)) || null;
    handlers.onSelect(selected);
  });
  editor.on('nodeUnselected', () => {
    if (syncing) return;
    selected = null;
    handlers.onSelect(null);
  });
  editor.on('nodeMoved', (id) => {
    const step = stepOf.get(String(id));
    const node = editor.getNodeFromId(id);
    if (step && node) handlers.onMove(step, { x: node.pos_x, y: node.pos_y });
  });
  editor.on('connectionSelected', () => { container.classList.add('connection-selected'); if (handlers.onConnectionSelect) handlers.onConnectionSelect(true); });
  editor.on('connectionUnselected', () => { container.classList.remove('connection-selected'); if (handlers.onConnectionSelect) handlers.onConnectionSelect(false); });

  function nodeHtml(node) {
    const type = types[node.type];
    return `<div class="step-node"><div class="title">${esc(node.id)}</div>`
      + `<div class="type">${esc(type ? type.title : node.type)} · <code>${esc(node.type)}</code></div>`
      + '<div class="step-status" aria-live="off"></div></div>';
  }

  function decorate(stepId) {
    const el = element(stepId);
    if (!el) return;
    el.dataset.step = stepId;
    el.classList.toggle('selected', stepId === selected);
    el.classList.toggle('entry', stepId === entry);
    el.classList.toggle('has-problem', problems.has(stepId));
    for (const s of ['pending', 'running', 'completed', 'failed', 'cancelled', 'paused', 'skipped', 'waiting']) {
      el.classList.toggle(`st-${s}`, statuses[stepId] === s);
    }
    const status = el.querySelector('.step-status');
    if (status) status.textContent = statuses[stepId] || '';
    const list = portsByStep.get(stepId) || [];
    el.querySelectorAll('.outputs .output').forEach((out, k) => {
      const p = list[k];
      if (!p) return;
      out.dataset.port = p.port;
      out.dataset.label = p.label;
      out.title = p.hint ? `${p.label}: ${p.hint}` : p.label;
    });
    const input = el.querySelector('.inputs .input');
    if (input) input.title = 'in';
  }

  /** Draws `graph` afresh; `positions` are node top-left corners by step id. */
  function render(graph, positions) {
    syncing = true;
    try {
      editor.clear();
      editor.node_selected = null;
      editor.connection_selected = null;
      stepOf = new Map();
      dfOf = new Map();
      portsByStep = new Map();
      for (const node of graph.nodes) {
        const type = types[node.type];
        const list = portsOf(node, type ? type.outputs : ['next'], graph.edges);
        const at = positions[node.id] || { x: 40, y: 40 };
        const df = editor.addNode(node.type, 1, list.length, at.x, at.y, `step type-${node.type}`, { step: node.id }, nodeHtml(node));
        stepOf.set(String(df), node.id);
        dfOf.set(node.id, String(df));
        portsByStep.set(node.id, list);
      }
      for (const e of graph.edges) {
        const out = outputClass(e.from, e.port);
        if (out && dfOf.has(e.to)) editor.addConnection(dfOf.get(e.from), dfOf.get(e.to), out, 'input_1');
      }
    } finally { syncing = false; }
    if (selected && !dfOf.has(selected)) selected = null;
    for (const node of graph.nodes) decorate(node.id);
    const el = selected && element(selected);
    if (el) editor.node_selected = el; // so that Drawflow's Delete key acts on it
  }

  /** Marks a step as selected (from the step list or after adding one), without a Drawflow click. */
  function select(stepId) {
    const before = selected;
    selected = stepId && dfOf.has(stepId) ? stepId : null;
    if (before) decorate(before);
    if (selected) decorate(selected);
    editor.node_selected = selected ? element(selected) : null;
  }

  /**
   * Zooms (out only, not below Drawflow's minimum) and pans so that every node is in view. Drawflow scales its inner
   * layer around its centre, so the pan is computed for that origin.
   */
  function fit(margin = 24) {
    const nodes = Object.values(editor.drawflow.drawflow[editor.module].data);
    if (!nodes.length) return;
    const els = nodes.map((n) => container.querySelector(`#node-${n.id}`)).filter(Boolean);
    const minX = Math.min(...nodes.map((n) => n.pos_x));
    const minY = Math.min(...nodes.map((n) => n.pos_y)) - 20; // room for the start marker
    const maxX = Math.max(...els.map((el) => el.offsetLeft + el.offsetWidth)) + 60; // and for port labels
    const maxY = Math.max(...els.map((el) => el.offsetTop + el.offsetHeight));
    const width = container.clientWidth;
    const height = container.clientHeight;
    const zoom = Math.max(editor.zoom_min, Math.min(1, (width - 2 * margin) / (maxX - minX), (height - 2 * margin) / (maxY - minY)));
    const w = editor.precanvas.clientWidth;
    const h = editor.precanvas.clientHeight;
    editor.zoom = zoom;
    editor.zoom_last_value = zoom;
    editor.canvas_x = margin - w / 2 - (minX - w / 2) * zoom;
    editor.canvas_y = margin - h / 2 - (minY - h / 2) * zoom;
    editor.precanvas.style.transform = `translate(${editor.canvas_x}px, ${editor.canvas_y}px) scale(${zoom})`;
  }

  /** A step was renamed: relabel its node in place (redrawing now could pull the node from under the pointer). */
  function rename(from, to) {
    const df = dfOf.get(from);
    if (!df) return;
    dfOf.delete(from);
    dfOf.set(to, df);
    stepOf.set(df, to);
    portsByStep.set(to, portsByStep.get(from));
    portsByStep.delete(from);
    for (const map of [statuses]) if (from in map) { map[to] = map[from]; delete map[from]; }
    if (selected === from) selected = to;
    if (entry === from) entry = to;
    const node = editor.getNodeFromId(df);
    editor.updateNodeDataFromId(df, { ...node.data, step: to });
    const title = element(to) && element(to).querySelector('.title');
    if (title) title.textContent = to;
    decorate(to);
  }

  /** Client (viewport) coordinates → canvas coordinates (Drawflow pans and zooms its inner layer). */
  function toCanvas(clientX, clientY) {
    const rect = editor.precanvas.getBoundingClientRect();
    return { x: (clientX - rect.x) / editor.zoom, y: (clientY - rect.y) / editor.zoom };
  }

  function contains(clientX, clientY) {
    const r = container.getBoundingClientRect();
    return clientX >= r.left && clientX <= r.right && clientY >= r.top && clientY <= r.bottom;
  }

  function positionOf(stepId) {
    const node = dfOf.has(stepId) && editor.getNodeFromId(dfOf.get(stepId));
    return node ? { x: node.pos_x, y: node.pos_y } : null;
  }

  /** Removes the selected connection (the toolbar's button; Drawflow's Delete key does the same). */
  function removeSelectedConnection() {
    if (!editor.connection_selected) return false;
    editor.removeConnection();
    container.classList.remove('connection-selected');
    return true;
  }

  return {
    editor,
    render,
    fit,
    rename,
    select,
    toCanvas,
    contains,
    positionOf,
    removeSelectedConnection,
    hasSelectedConnection: () => Boolean(editor.connection_selected),
    setStatuses(next) { statuses = next || {}; for (const id of dfOf.keys()) decorate(id); },
    setProblems(ids) { problems = new Set(ids); for (const id of dfOf.keys()) decorate(id); },
    setEntry(id) { entry = id; for (const step of dfOf.keys()) decorate(step); },
    element,
    zoom(direction) { if (direction > 0) editor.zoom_in(); else if (direction < 0) editor.zoom_out(); else editor.zoom_reset(); },
    destroy() { editor.clear(); container.replaceChildren(); },
  };
}

// ---------------------------------------------------------------- positions (the browser's own, by workflow id)

export function readPositions(storageKey) {
  try { return JSON.parse(localStorage.getItem(storageKey)) || {}; } catch { return {}; }
}

export function writePositions(storageKey, positions) {
  try { localStorage.setItem(storageKey, JSON.stringify(positions)); } catch { /* full or disabled: positions stay for this visit */ }
}

/** Stored positions where there are some, the dagre layout (left to right) for the rest. dagre writes x and y
 * into each node's size object, so each node gets its own. */
export function initialPositions(graph, stored) {
  const missing = graph.nodes.some((n) => !stored[n.id]);
  const laid = missing ? layout({ steps: toDefinition(graph).steps }, () => ({ ...NODE_SIZE }), 'LR').positions : {};
  const out = {};
  for (const n of graph.nodes) {
    out[n.id] = stored[n.id] || (laid[n.id] ? { x: Math.round(laid[n.id].x - NODE_SIZE.width / 2), y: Math.round(laid[n.id].y - NODE_SIZE.height / 2) } : { x: 40, y: 40 });
  }
  return out;
}
