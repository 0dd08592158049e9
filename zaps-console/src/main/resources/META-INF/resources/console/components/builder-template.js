// Starting the builder from a template (#/builder?template=<name>): console/templates/<name>.json is a workflow
// whose strings may hold <<key>> placeholders, listed with labels, defaults, descriptions and types in
// console/templates/index.json (the Templates page's library). The builder asks for them in a panel.
import { h } from '../dom.js';
import { templateIndex, loadTemplate as loadWorkflow } from './template-library.js';

/** `{definition, placeholders: {key: {label, default, description, type}}}`, or `{problem}` to show instead. */
export async function loadTemplate(name) {
  let body;
  try {
    body = await loadWorkflow(name);
  } catch (e) {
    return { problem: `Cannot load the template '${name}': ${e.message}` };
  }
  const definition = body && (body.workflow || body.definition || body);
  if (!definition || !Array.isArray(definition.steps)) return { problem: `The template '${name}' holds no workflow (no steps).` };
  // Labels, defaults, descriptions and types come from the library's index; without it the builder asks by name.
  const placeholders = {};
  try {
    const entry = (await templateIndex()).find((t) => t && t.name === name);
    for (const p of (entry && entry.placeholders) || []) if (p && p.key) placeholders[p.key] = p;
  } catch { /* no index */ }
  return { definition, placeholders };
}

/**
 * Renders the "Fill in the template" panel into `el` for the placeholder `names` (nothing when there are none);
 * `onFill(values, types)` with the values entered.
 */
export function placeholderPanel(el, names, info, onFill) {
  el.replaceChildren();
  if (!names.length) return;
  const about = (name) => info[name] || {};
  const inputs = names.map((name) => h('input', { id: `ph-${name}`, dataset: { name }, autocomplete: 'off', value: about(name).default ?? '' }));
  const types = Object.fromEntries(names.map((name) => [name, about(name).type]));
  const fill = h('button.primary#ph-fill', { type: 'button' }, 'Fill in');
  fill.addEventListener('click', () => onFill(Object.fromEntries(inputs.map((i) => [i.dataset.name, i.value.trim()]).filter(([, v]) => v !== '')), types));
  el.append(h('section.panel.placeholder-panel', { 'aria-labelledby': 'ph-title' },
    h('h2#ph-title', 'Fill in the template'),
    h('p.muted', 'These values are marked <<name>> in the template. Fill them in before saving (or edit the steps).'),
    h('div.grid', names.map((name, i) => h('div.field', h('label', { for: inputs[i].id }, about(name).label || name), inputs[i],
      about(name).description ? h('small.muted', about(name).description) : null))),
    h('div.actions', fill)));
}
