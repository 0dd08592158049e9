// The builder's JSON view: the workflow definition as it would be saved, editable; applying it redraws the canvas.
import { h } from '../dom.js';

/** Renders into `el`. `ctx`: {definition() → the current definition, apply(definition)}. Returns {refresh()}. */
export function jsonView(el, ctx) {
  const text = h('textarea#builder-json', { rows: 24, spellcheck: false, 'aria-label': 'Workflow definition (JSON)', 'aria-describedby': 'json-hint' });
  const error = h('p.field-error#json-error', { hidden: true, role: 'alert' });
  const apply = h('button.primary#json-apply', { type: 'button' }, 'Apply to canvas');
  const reset = h('button', { type: 'button' }, 'Discard changes');

  apply.addEventListener('click', () => {
    let value;
    try {
      value = JSON.parse(text.value);
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('a workflow is a JSON object');
      if (!Array.isArray(value.steps)) throw new Error('"steps" must be a list of steps');
      value.steps.forEach((s, i) => {
        if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error(`steps[${i}] must be an object`);
        if (typeof s.id !== 'string' || !s.id) throw new Error(`steps[${i}].id is required`);
      });
      const ids = value.steps.map((s) => s.id);
      const twice = ids.find((id, i) => ids.indexOf(id) !== i);
      if (twice) throw new Error(`two steps are called '${twice}'`);
    } catch (e) {
      error.hidden = false;
      error.textContent = `Not applied: ${e.message}`;
      text.classList.add('invalid');
      return;
    }
    error.hidden = true;
    text.classList.remove('invalid');
    ctx.apply(value);
  });
  reset.addEventListener('click', refresh);

  function refresh() {
    text.value = JSON.stringify(ctx.definition(), null, 2);
    error.hidden = true;
    text.classList.remove('invalid');
  }

  el.append(h('p.muted#json-hint', 'The definition as it will be saved (positions are kept in this browser only). '
    + 'Edit it and apply it to redraw the canvas; the server checks it when you save.'), text, error, h('div.actions', apply, reset));
  return { refresh };
}
