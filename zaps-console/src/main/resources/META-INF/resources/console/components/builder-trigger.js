// The workflow's trigger section and entry point. The kinds come from GET /api/trigger-types (`manual` first: no
// trigger section, runs start through the REST API); the chosen kind's schema generates the form.
import { h } from '../dom.js';
import { schemaForm } from './builder-form.js';

/**
 * Renders into `el`. `ctx`: {triggerTypes, trigger (the section or undefined), stepIds, entry (chosen or null),
 * autoEntry (the step nothing leads to), onTrigger(section|undefined), onEntry(id|null)}.
 * Returns {mark(area, path, message), destroy()}.
 */
export function triggerPanel(el, ctx) {
  const types = ctx.triggerTypes;
  let current = ctx.trigger && ctx.trigger.type ? ctx.trigger.type : 'manual';
  let form = null;
  const kind = h('select#trigger-type', types.map((t) => h('option', { value: t.type, selected: t.type === current }, t.title)));
  const about = h('p.muted.trigger-description');
  const formBox = h('div.trigger-form');
  const entry = h('select#entry-point',
    h('option', { value: '' }, `Automatic: the step nothing leads to${ctx.autoEntry ? ` (${ctx.autoEntry})` : ''}`),
    ctx.stepIds.map((id) => h('option', { value: id, selected: id === ctx.entry }, id)));
  entry.addEventListener('change', () => ctx.onEntry(entry.value || null));
  const section = h('section.trigger-panel', { 'aria-labelledby': 'trigger-title' },
    h('h2#trigger-title', 'Trigger'),
    h('div.field', h('label', { for: 'trigger-type' }, 'Starts with'), kind),
    about,
    formBox,
    h('div.field.entry-field', h('label', { for: 'entry-point' }, 'Entry point'), entry));
  el.append(section);

  function show(typeName, value) {
    if (form) form.destroy();
    form = null;
    formBox.replaceChildren();
    const type = types.find((t) => t.type === typeName);
    about.textContent = type ? type.description : '';
    if (!type || typeName === 'manual' || !type.schema || type.schema.type === 'null') return;
    // `type` is the kind chosen above; the form edits the rest.
    const start = { ...(value || type.example || {}) };
    delete start.type;
    form = schemaForm(formBox, type.schema, start, (v) => ctx.onTrigger({ type: typeName, ...v }), { omit: { type: true }, name: 'trigger', onUnplaced: (path, message) => markOn(kind, `${path.join('.')}: ${message}`) });
  }
  kind.addEventListener('change', () => {
    current = kind.value;
    if (current === 'manual') {
      ctx.onTrigger(undefined);
      show(current);
    } else {
      // A new kind starts from its example, so the section is complete enough to save and then adjust.
      const type = types.find((t) => t.type === current);
      const start = type && type.example && typeof type.example === 'object' ? { ...type.example, type: current } : { type: current };
      ctx.onTrigger(start);
      show(current, start);
    }
  });
  show(current, ctx.trigger);

  function markOn(target, message) {
    target.classList.add('invalid');
    target.parentElement.append(h('p.field-error.server-error', { role: 'alert' }, message));
  }

  return {
    mark(area, path, message) {
      if (area === 'entry') return markOn(entry, message);
      if (path[0] === 'type' || !form || !form.mark(path, message)) markOn(kind, path.length ? `${path.join('.')}: ${message}` : message);
      return undefined;
    },
    flush() {
      if (section.contains(document.activeElement)) document.activeElement.blur();
      if (form) form.flush();
    },
    destroy() { if (form) form.destroy(); section.remove(); },
  };
}

/**
 * The trigger context's fields a kind documents: its description's "Context: a, b (note), c." sentence (the
 * API describes kinds in words; this reads the names out of them).
 */
export function triggerContextFields(type) {
  const match = type && type.description && type.description.match(/Context: ([^.]*)\./);
  if (!match) return [];
  return match[1].replace(/\([^)]*\)/g, '').split(',').map((s) => s.trim().split(/\s+/)[0]).filter((s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s));
}
