// A run's workflow drawn read-only: dagre places the steps (model.js layout), each step is a real <button>
// (focusable, Enter/Space selects it) positioned over an SVG with the connections. Coloured by the step's status.
import { h, svg } from '../dom.js';
import { layout, workflowEdges, stepEdges } from '../model.js';

const NODE = { width: 190, height: 62 };

/** The status a step is shown with: a wait_for_event step that is running is "waiting". */
export function shownStatus(step, state) {
  if (!state) return 'pending';
  if (state.status === 'running' && step && step.type === 'wait_for_event' && state.output && state.output.waiting_for) return 'waiting';
  if (state.status === 'running' && state.next_attempt_at) return 'running';
  return state.status || 'pending';
}

/** A short line under the step's name: attempts, loop progress, waiting. */
function detail(step, state) {
  if (!state) return '';
  const out = state.output || {};
  const parts = [];
  if (step.type === 'for_each' && (out.count !== undefined || out.started !== undefined)) {
    const total = out.count ?? (Array.isArray(out.results) ? out.results.length : undefined);
    parts.push(`${out.ended ?? total ?? 0}${total !== undefined ? '/' + total : ''} items`);
    if (out.failed) parts.push(`${out.failed} failed`);
  }
  if (step.type === 'parallel' && out.branches) parts.push(`${Object.keys(out.branches).length} branches`);
  if ((state.attempt || 0) > 1) parts.push(`attempt ${state.attempt}`);
  if (state.next_attempt_at) parts.push('retry pending');
  return parts.join(' · ');
}

/**
 * The steps that run inside child runs: every step reached from a for_each body or a parallel branch belongs to
 * that loop or parallel step (the validator keeps those chains to themselves). Returns {stepId → owner step id}.
 */
export function childOwners(definition) {
  const byId = Object.fromEntries((definition.steps || []).map((s) => [s.id, s]));
  const owners = {};
  for (const step of definition.steps || []) {
    if (step.type !== 'for_each' && step.type !== 'parallel') continue;
    const starts = step.type === 'for_each' ? [step.config && step.config.body] : ((step.config && step.config.branches) || []);
    const queue = starts.filter(Boolean);
    while (queue.length) {
      const id = queue.shift();
      if (owners[id] || !byId[id]) continue;
      owners[id] = step.id;
      for (const e of stepEdges(byId[id])) queue.push(e.to);
    }
  }
  return owners;
}

/**
 * Draws `definition` with the run's `steps` states into a new element. `onSelect(stepId)` when a step is chosen;
 * `selected` is the step shown as chosen.
 */
export function runGraph(definition, steps, { selected, onSelect } = {}) {
  // A fresh size object per node: dagre writes each node's x and y into the object it was given.
  const { positions, width, height } = layout(definition, () => ({ ...NODE }));
  const byId = Object.fromEntries((definition.steps || []).map((s) => [s.id, s]));
  const owners = childOwners(definition);
  const edges = svg('svg', { class: 'rg-edges', width, height, viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' },
    svg('defs', {}, svg('marker', { id: 'rg-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#6366f1' }))));
  for (const edge of workflowEdges(definition)) {
    const a = positions[edge.from];
    const b = positions[edge.to];
    if (!a || !b) continue;
    const x1 = a.x; const y1 = a.y + NODE.height / 2;
    const x2 = b.x; const y2 = b.y - NODE.height / 2;
    const bend = Math.max(30, Math.abs(y2 - y1) / 2);
    const taken = steps && steps[edge.to] && steps[edge.to].status && steps[edge.to].status !== 'pending' && steps[edge.to].status !== 'skipped';
    edges.append(svg('path', {
      d: `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`,
      class: `rg-edge ${edge.kind}${taken ? ' taken' : ''}`, 'marker-end': 'url(#rg-arrow)',
    }));
    if (edge.label) {
      edges.append(svg('text', { x: (x1 + x2) / 2 + 4, y: (y1 + y2) / 2, class: 'rg-label' }, edge.label));
    }
  }
  const nodes = (definition.steps || []).map((step) => {
    const p = positions[step.id];
    const state = steps && steps[step.id];
    let status = shownStatus(step, state);
    // A loop body's or branch's steps run in the child runs: shown with their loop's status, marked as such.
    const owner = owners[step.id] && steps && steps[owners[step.id]];
    const inChildren = owner && (!state || state.status === 'pending') && owner.status && owner.status !== 'pending';
    if (inChildren) status = owner.status === 'skipped' ? 'skipped' : shownStatus(byId[owners[step.id]], owner);
    return h(`button.rg-node.st-${status}${inChildren ? '.rg-child' : ''}`, {
      type: 'button',
      dataset: { stepId: step.id, status },
      'aria-pressed': String(step.id === selected),
      'aria-label': `Step ${step.id}, ${step.type}, ${status}`,
      style: { left: `${p.x - NODE.width / 2}px`, top: `${p.y - NODE.height / 2}px`, width: `${NODE.width}px`, height: `${NODE.height}px` },
      onclick: () => onSelect && onSelect(step.id),
    },
    h('span.rg-title', step.id, definition.entry_point === step.id ? h('span.muted', { title: 'entry point' }, ' ▸') : null),
    h('span.rg-type', step.type, ' · ', h('span.rg-status', status)),
    h('span.rg-detail', inChildren ? `in the child runs of ${owners[step.id]}` : detail(byId[step.id], state)));
  });
  const canvas = h('div.rg-canvas', { style: { width: `${width}px`, height: `${height}px` } }, edges, nodes);
  return h('div.run-graph', { role: 'group', 'aria-label': 'Workflow steps' }, canvas);
}
