// The selected step's form: its id (renaming moves its connections along), where each of its ports leads (the
// keyboard's way to connect), its config generated from the type's JSON Schema, and its retry policy and timeout.
import { h } from '../dom.js';
import { ports as portsOf } from './builder-model.js';
import { schemaForm } from './builder-form.js';

// What the canvas edits as connections, left out of the config form.
const CONNECTION_FIELDS = {
  switch: { cases: ['next_step_id'], default_next_step_id: true },
  for_each: { body: true },
  parallel: { branches: true },
};
const RETRY_FIELDS = [
  ['max_attempts', 'Attempts', 'in all, 1 = no retry', '1'],
  ['initial_interval', 'First wait (s)', 'before the second attempt', '1'],
  ['multiplier', 'Multiplier', 'each wait grows by', '2'],
  ['max_interval', 'Longest wait (s)', '', '300'],
  ['jitter', 'Jitter', '0 to 1', '0.2'],
];
// Steps whose step-level retry and timeout do not apply (docs/workflows.md): a delay is never retried, a wait's
// timeout is its config's.
const NO_RETRY = new Set(['delay', 'wait_for_event']);

/**
 * Renders the form for `node` into `el`. `ctx`: {graph, type (GET /api/step-types entry), onConfig(config),
 * onRename(newId) → error message or null, onExtra(extra), onPort(port, to|null), onDelete()}.
 * Returns {mark(path, message) → shown?, focus(path), destroy()}.
 */
export function stepForm(el, node, ctx) {
  const { graph, type } = ctx;
  const edges = graph.edges.filter((e) => e.from === node.id);
  const others = graph.nodes.filter((n) => n.id !== node.id).map((n) => n.id);
  const fieldId = (name) => `step-${name}`;

  const general = h('div.step-problems');
  const idInput = h('input', { id: fieldId('id'), value: node.id, autocomplete: 'off', spellcheck: false, 'aria-describedby': 'step-id-hint' });
  const idError = h('p.field-error', { hidden: true, role: 'alert' });
  const rename = () => {
    const next = idInput.value.trim();
    if (next === node.id) return;
    const problem = ctx.onRename(next);
    idError.hidden = !problem;
    idError.textContent = problem || '';
    idInput.classList.toggle('invalid', Boolean(problem));
  };
  idInput.addEventListener('change', rename);
  idInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); rename(); } });

  const portSelects = {};
  const portRows = portsOf(node, type ? type.outputs : ['next'], graph.edges).map((p) => {
    const current = (edges.find((e) => e.port === p.port) || {}).to || '';
    const select = h('select', { id: fieldId(`port-${p.port.replace(':', '-')}`), dataset: { port: p.port } },
      h('option', { value: '' }, '— nothing (the path ends) —'),
      others.map((id) => h('option', { value: id, selected: id === current }, id)));
    select.addEventListener('change', () => ctx.onPort(p.port, select.value || null));
    portSelects[p.port] = select;
    return h('div.field.port-field', h('label', { for: select.id }, p.label, p.hint ? h('span.muted', ` (${p.hint})`) : null), select);
  });

  const configBox = h('div.step-config');
  const extras = h('div.step-extras');
  const section = h('section.step-form', { 'aria-labelledby': 'step-form-title', dataset: { step: node.id } },
    h('h2#step-form-title', type ? type.title : node.type, ' ', h('code', node.type)),
    type && type.description ? h('p.muted.type-description', type.description) : null,
    general,
    h('div.field', h('label', { for: idInput.id }, 'Step id'), idInput,
      h('small.muted#step-id-hint', 'Renaming keeps its connections and updates steps.<id> in templates.'), idError),
    portRows.length ? h('fieldset.ports', h('legend', 'Goes on to'), portRows) : null,
    h('h3', 'Settings'),
    configBox,
    extras,
    h('div.actions', h('button.danger', { type: 'button', onclick: ctx.onDelete }, 'Delete step')));
  el.append(section);

  const form = type && type.schema
    ? schemaForm(configBox, type.schema, node.config, ctx.onConfig, { omit: CONNECTION_FIELDS[node.type], name: 'config', onUnplaced: (path, message) => general.append(h('p.field-error.server-error', { role: 'alert' }, `config.${path.join('.')}: ${message}`)) })
    : null;
  if (!form) configBox.append(h('p.muted', `No form for the unknown type '${node.type}': edit it in the JSON view.`));

  // Retry and timeout, for steps where they apply (or that already have them).
  const extraInputs = {};
  if (!NO_RETRY.has(node.type) || node.extra.retry || node.extra.timeout_seconds) {
    const retry = node.extra.retry || {};
    const changed = () => {
      const next = { ...node.extra };
      const policy = {};
      for (const [key] of RETRY_FIELDS) {
        const raw = extraInputs[key].value.trim();
        if (raw !== '') policy[key] = key === 'max_attempts' ? Number.parseInt(raw, 10) : Number(raw);
      }
      if (Object.keys(policy).length) next.retry = policy; else delete next.retry;
      const timeout = extraInputs.timeout_seconds.value.trim();
      if (timeout !== '') next.timeout_seconds = Number.parseInt(timeout, 10); else delete next.timeout_seconds;
      ctx.onExtra(next);
    };
    const input = (key, label, hint, placeholder, current) => {
      const i = h('input', { id: fieldId(key), type: 'number', step: 'any', value: current ?? '', placeholder, inputmode: 'decimal' });
      i.addEventListener('change', changed);
      extraInputs[key] = i;
      return h('div.field', { dataset: { field: key } }, h('label', { for: i.id }, label), i, hint ? h('small.muted', hint) : null);
    };
    extras.append(
      h('details.retry', { open: Boolean(node.extra.retry || node.extra.timeout_seconds) },
        h('summary', 'Retry and timeout'),
        h('p.muted', 'Blank: the workflow\'s retry policy, else one attempt. Only retryable failures (timeouts, 5xx) are retried.'),
        h('div.retry-grid', RETRY_FIELDS.map(([key, label, hint, placeholder]) => input(key, label, hint, placeholder, retry[key])),
          input('timeout_seconds', 'Timeout (s)', 'one attempt', String(type && type.default_timeout_seconds || ''), node.extra.timeout_seconds))));
  }

  function markOutside(target, message) {
    target.classList.add('invalid');
    target.parentElement.append(h('p.field-error.server-error', { role: 'alert' }, message));
  }

  return {
    /** Shows a server problem on the field `path` names inside the step (['config', 'url'], ['id'], ['retry', 'jitter']). */
    mark(path, message) {
      const [head, ...rest] = path;
      if (head === 'config' && form) {
        const connection = rest[0] === 'body' ? 'body' : rest[0] === 'default_next_step_id' ? 'default'
          : rest[0] === 'branches' ? (rest[1] !== undefined ? `branch:${rest[1]}` : 'branch:0')
            : rest[0] === 'cases' && rest[2] === 'next_step_id' ? `case:${rest[1]}` : null;
        if (connection && portSelects[connection]) { markOutside(portSelects[connection], message); return true; }
        if (form.mark(rest, message)) return true;
      }
      if (head === 'next_step_id' && portSelects.next) { markOutside(portSelects.next, message); return true; }
      if (head === 'id') { markOutside(idInput, message); return true; }
      if ((head === 'retry' || head === 'timeout_seconds') && extraInputs[rest[0] || head]) {
        extras.querySelector('details').open = true;
        markOutside(extraInputs[rest[0] || head], message);
        return true;
      }
      general.append(h('p.field-error.server-error', { role: 'alert' }, path.length ? `${path.join('.')}: ${message}` : message));
      return true;
    },
    focus(path) {
      if (path[0] === 'config' && form) form.focus(path.slice(1));
      else if (path[0] === 'id') idInput.focus();
    },
    /** Takes in what the focused field holds (its change event comes on blur, JSONEditor's a frame later). */
    flush() {
      if (section.contains(document.activeElement)) document.activeElement.blur();
      if (form) form.flush();
    },
    destroy() {
      // A field still focused reports its change on blur: let it, before the form goes.
      if (section.contains(document.activeElement)) document.activeElement.blur();
      if (form) form.destroy();
      section.remove();
    },
  };
}
