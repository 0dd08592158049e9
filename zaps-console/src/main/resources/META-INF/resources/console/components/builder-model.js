// The builder's one place for canvas ⇄ workflow JSON: pure functions, no DOM, no Drawflow.
//
// A graph is what the canvas shows: `{meta, nodes, edges, entry}` where
//   meta   the workflow's own fields (id, name, description, trigger, retry, on_failure, status, …), kept as they are;
//   nodes  `[{id, type, config, extra}]` in the definition's step order; `config` without the fields that name other
//          steps (those are edges), `extra` the step's other fields (retry, timeout_seconds, anything unknown);
//   edges  `[{from, port, to}]`, port one of `next`, `case:<i>`, `default`, `body`, `branch:<i>`;
//   entry  a chosen entry step, or null for "the step nothing leads to".
// The workflow language (docs/workflows.md) puts connections in these fields: next_step_id, a switch's
// cases[i].next_step_id and default_next_step_id, a for_each's body, a parallel's branches.

const SERVER_FIELDS = ['version', 'created_at', 'updated_at'];

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** Workflow definition → graph. */
export function toGraph(definition) {
  const def = definition || {};
  const meta = {};
  for (const [key, value] of Object.entries(def)) {
    if (key !== 'steps' && key !== 'entry_point' && !SERVER_FIELDS.includes(key)) meta[key] = clone(value);
  }
  const nodes = [];
  const edges = [];
  for (const step of def.steps || []) {
    const { id, type, config, next_step_id: next, ...rest } = step || {};
    const cfg = clone(config) || {};
    if (type === 'switch') {
      if (Array.isArray(cfg.cases)) {
        cfg.cases = cfg.cases.map((c, i) => {
          const { next_step_id: to, ...kept } = c || {};
          if (to) edges.push({ from: id, port: `case:${i}`, to });
          return kept;
        });
      }
      if (cfg.default_next_step_id) edges.push({ from: id, port: 'default', to: cfg.default_next_step_id });
      delete cfg.default_next_step_id;
    } else if (type === 'for_each') {
      if (cfg.body) edges.push({ from: id, port: 'body', to: cfg.body });
      delete cfg.body;
    } else if (type === 'parallel') {
      (Array.isArray(cfg.branches) ? cfg.branches : []).forEach((to, i) => to && edges.push({ from: id, port: `branch:${i}`, to }));
      delete cfg.branches;
    }
    if (next) edges.push({ from: id, port: 'next', to: next });
    const extra = {};
    for (const [key, value] of Object.entries(rest)) if (value !== null && value !== undefined) extra[key] = clone(value);
    nodes.push({ id, type, config: cfg, extra });
  }
  const graph = { meta, nodes, edges, entry: null };
  // Keep the entry point only when it is not the one the graph implies, so that rewiring a simple chain
  // moves the entry along with it.
  if (def.entry_point && def.entry_point !== entryOf(graph)) graph.entry = def.entry_point;
  return graph;
}

/** Graph → workflow definition (what is saved). */
export function toDefinition(graph) {
  const targets = (id, prefix) => graph.edges.filter((e) => e.from === id && (e.port === prefix || e.port.startsWith(prefix + ':')));
  const steps = graph.nodes.map((node) => {
    const config = clone(node.config) || {};
    const out = (port) => (graph.edges.find((e) => e.from === node.id && e.port === port) || {}).to;
    if (node.type === 'switch') {
      config.cases = (config.cases || []).map((c, i) => {
        const to = out(`case:${i}`);
        return to ? { ...c, next_step_id: to } : { ...c };
      });
      if (out('default')) config.default_next_step_id = out('default');
    } else if (node.type === 'for_each') {
      if (out('body')) config.body = out('body');
    } else if (node.type === 'parallel') {
      const branches = targets(node.id, 'branch').sort((a, b) => portIndex(a.port) - portIndex(b.port)).map((e) => e.to);
      if (branches.length) config.branches = branches;
    }
    const step = { id: node.id, type: node.type, config };
    if (out('next')) step.next_step_id = out('next');
    return Object.assign(step, clone(node.extra) || {});
  });
  const definition = {};
  for (const [key, value] of Object.entries(graph.meta || {})) if (value !== undefined) definition[key] = clone(value);
  const entry = entryOf(graph);
  if (entry) definition.entry_point = entry;
  definition.steps = steps;
  return definition;
}

export const portIndex = (port) => Number(String(port).split(':')[1] || 0);

/** The entry step: the chosen one, else the first step nothing leads to, else the first step. */
export function entryOf(graph) {
  const ids = graph.nodes.map((n) => n.id);
  if (graph.entry && ids.includes(graph.entry)) return graph.entry;
  const targets = new Set(graph.edges.map((e) => e.to));
  return ids.find((id) => !targets.has(id)) || ids[0] || null;
}

const LABELS = { next: 'next', default: 'default', body: 'each item' };

/**
 * A node's output ports, in the order the canvas draws them: `[{port, label, hint}]`. `outputs` is the type's
 * `outputs` from GET /api/step-types (`["next"]`, `["cases","default"]`, `["body","next"]`, `["branches","next"]`).
 * A switch has one port per case; a parallel one per connected branch and one free (at least 2, at most 20).
 */
export function ports(node, outputs, edges) {
  const list = [];
  for (const name of outputs || ['next']) {
    if (name === 'cases') {
      const cases = Array.isArray(node.config && node.config.cases) ? node.config.cases : [];
      for (let i = 0; i < Math.max(1, cases.length); i++) {
        list.push({ port: `case:${i}`, label: `case ${i}`, hint: cases[i] && cases[i].when });
      }
    } else if (name === 'branches') {
      const used = (edges || []).filter((e) => e.from === node.id && e.port.startsWith('branch:')).map((e) => portIndex(e.port));
      const count = Math.min(20, Math.max(2, used.length ? Math.max(...used) + 2 : 2));
      for (let i = 0; i < count; i++) list.push({ port: `branch:${i}`, label: `branch ${i + 1}` });
    } else {
      list.push({ port: name, label: LABELS[name] || name });
    }
  }
  return list;
}

/** A port leads to one step: connecting it replaces what it led to. */
export function connect(graph, from, port, to) {
  const edges = graph.edges.filter((e) => !(e.from === from && e.port === port));
  if (to && to !== from) edges.push({ from, port, to });
  return { ...graph, edges };
}

export function disconnect(graph, from, port) {
  return { ...graph, edges: graph.edges.filter((e) => !(e.from === from && e.port === port)) };
}

export function addNode(graph, node) {
  return { ...graph, nodes: [...graph.nodes, { config: {}, extra: {}, ...node }] };
}

export function removeNode(graph, id) {
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => n.id !== id),
    edges: graph.edges.filter((e) => e.from !== id && e.to !== id),
    entry: graph.entry === id ? null : graph.entry,
  };
}

/** `base`, or `base_2`, `base_3`, … : the first id no step has. */
export function uniqueId(graph, base) {
  const taken = new Set(graph.nodes.map((n) => n.id));
  const stem = String(base || 'step').replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'step';
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}_${i}`)) return `${stem}_${i}`;
}

export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Renames a step: its connections and the templates naming it (`steps.<id>`, `run.resume_urls.<id>`) follow.
 * Returns a message instead of a graph when the new id is not usable.
 */
export function renameNode(graph, from, to) {
  if (from === to) return graph;
  if (!SAFE_ID.test(to)) return 'a step id is 1 to 64 letters, digits, _ or -, starting with a letter or digit';
  if (graph.nodes.some((n) => n.id === to)) return `another step is called '${to}'`;
  const escaped = from.replace(/[-]/g, '\\-');
  const reference = new RegExp(`\\b(steps|resume_urls)\\.${escaped}(?![A-Za-z0-9_-])`, 'g');
  const rewrite = (value) => {
    if (typeof value === 'string') return value.includes('{{') || value.includes('{%') ? value.replace(reference, `$1.${to}`) : value;
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  return {
    ...graph,
    nodes: graph.nodes.map((n) => ({ ...n, id: n.id === from ? to : n.id, config: rewrite(n.config) })),
    edges: graph.edges.map((e) => ({ ...e, from: e.from === from ? to : e.from, to: e.to === from ? to : e.to })),
    entry: graph.entry === from ? to : graph.entry,
  };
}

/**
 * A node's config changed in its form. For a switch, the cases' connections follow their cases: when one case was
 * removed (the form removes one at a time), the later cases' connections move up by one.
 */
export function updateConfig(graph, id, config) {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node) return graph;
  let edges = graph.edges;
  if (node.type === 'switch') {
    const before = (node.config && node.config.cases) || [];
    const after = config.cases || [];
    if (after.length < before.length) {
      let removed = after.length; // by default the last ones went
      if (before.length - after.length === 1) {
        const i = after.findIndex((c, k) => JSON.stringify(c) !== JSON.stringify(before[k]));
        if (i >= 0) removed = i;
      }
      const gone = before.length - after.length;
      edges = edges.flatMap((e) => {
        if (e.from !== id || !e.port.startsWith('case:')) return [e];
        const k = portIndex(e.port);
        if (k < removed) return [e];
        if (k < removed + gone) return [];
        return [{ ...e, port: `case:${k - gone}` }];
      });
    }
  }
  return { ...graph, edges, nodes: graph.nodes.map((n) => (n.id === id ? { ...n, config } : n)) };
}

/**
 * Where a step's templates can look: the steps whose output is there when it runs (its ancestors on the graph; a
 * for_each or parallel step is not an ancestor of its own body or branches, which run while it does), whether it
 * runs in a for_each body (`item`, `index`) or a parallel branch (`branch`).
 */
export function scopeOf(graph, id) {
  const incoming = new Map();
  for (const e of graph.edges) {
    if (!incoming.has(e.to)) incoming.set(e.to, []);
    incoming.get(e.to).push(e);
  }
  const ancestors = [];
  const seen = new Set([id]);
  let loop = false;
  let branch = false;
  const queue = [id];
  while (queue.length) {
    const current = queue.shift();
    for (const e of incoming.get(current) || []) {
      const child = e.port === 'body' || e.port.startsWith('branch:');
      if (e.port === 'body') loop = true;
      if (e.port.startsWith('branch:')) branch = true;
      if (seen.has(e.from)) continue;
      seen.add(e.from);
      if (!child) ancestors.push(e.from);
      queue.push(e.from);
    }
  }
  // The ancestors in the steps' order, so the list reads like the workflow.
  const order = graph.nodes.map((n) => n.id);
  ancestors.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { ancestors, loop, branch };
}

/**
 * The template variables a step may use, in groups: `[{title, items: [{expr, hint}]}]`. `contextFields` are the
 * trigger context's fields (from the sample context and the trigger type), `types` the step types by name.
 */
export function variables(graph, id, { contextFields = [], types = {} } = {}) {
  const { ancestors, loop, branch } = scopeOf(graph, id);
  const groups = [];
  const context = contextFields.map((f) => ({ expr: f, hint: 'trigger context' }));
  groups.push({ title: 'Trigger context', items: [...context, { expr: 'context', hint: 'the whole context' }] });
  if (loop || branch) {
    groups.push({
      title: loop ? 'This loop iteration' : 'This branch',
      items: loop ? [{ expr: 'item', hint: 'the current item' }, { expr: 'index', hint: 'its index, from 0' }]
        : [{ expr: 'branch', hint: 'the branch' }],
    });
  }
  groups.push({
    title: 'Earlier steps',
    items: ancestors.map((a) => {
      const node = graph.nodes.find((n) => n.id === a);
      const type = node && types[node.type];
      return { expr: `steps.${a}.output`, hint: type ? type.title : node && node.type };
    }),
  });
  const waits = graph.nodes.filter((n) => n.type === 'wait_for_event' && sameRun(graph, n.id, id));
  groups.push({
    title: 'This run',
    items: [
      { expr: 'run.id', hint: 'run id' },
      { expr: 'run.workflow_id', hint: 'workflow id' },
      { expr: 'run.workflow_version', hint: 'workflow version' },
      ...waits.map((n) => ({ expr: `run.resume_urls.${n.id}`, hint: `resume URL of ${n.id}` })),
    ],
  });
  return groups;
}

/** The first step of the child-run chain a step belongs to (null: the run itself). */
function chainRoot(graph, id) {
  const childStarts = new Set(graph.edges.filter((e) => e.port === 'body' || e.port.startsWith('branch:')).map((e) => e.to));
  const seen = new Set();
  const queue = [id];
  while (queue.length) {
    const current = queue.shift();
    if (childStarts.has(current)) return current;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const e of graph.edges) if (e.to === current && e.port !== 'body' && !e.port.startsWith('branch:')) queue.push(e.from);
  }
  return null;
}

function sameRun(graph, a, b) {
  return chainRoot(graph, a) === chainRoot(graph, b);
}

/**
 * Where a problem's field (`steps[1].config.url`, `entry_point`, `trigger.cron`, `name`) points in the builder:
 * `{area: 'step', step, path}` (path inside the step, e.g. `['config', 'url']`), `{area: 'trigger', path}`,
 * `{area: 'entry'}`, `{area: 'workflow', path}`. `stepIds` are the ids in the order that was saved.
 */
export function locate(field, stepIds) {
  const text = String(field || '');
  const parts = text.replace(/\[(\d+)\]/g, '.$1').split('.').filter((p) => p !== '');
  if (parts[0] === 'steps' && /^\d+$/.test(parts[1] || '')) {
    const step = stepIds[Number(parts[1])];
    if (step !== undefined) return { area: 'step', step, path: parts.slice(2) };
  }
  if (parts[0] === 'entry_point') return { area: 'entry', path: [] };
  if (parts[0] === 'trigger') return { area: 'trigger', path: parts.slice(1) };
  return { area: 'workflow', path: parts };
}

// Templates' <<name>> placeholders: one implementation, in the template library.
export { placeholders, fillPlaceholders } from './template-library.js';

/** Top-level field names of a JSON object, and one level below (`customer.email`): the sample context's fields. */
export function fieldsOf(sample) {
  if (!sample || typeof sample !== 'object' || Array.isArray(sample)) return [];
  const fields = [];
  for (const [key, value] of Object.entries(sample)) {
    fields.push(key);
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const sub of Object.keys(value)) fields.push(`${key}.${sub}`);
  }
  return fields;
}
