// The template variables available at the selected step (components/builder-model.js `variables`), each a button
// that inserts `{{ … }}` into the form field last focused, or copies it when no field was.
import { h, flash } from '../dom.js';

/** Renders `groups` into `el`; `lastField()` returns the text field to insert into (or null). */
export function variablesPanel(el, groups, lastField) {
  const section = h('section.builder-vars', { 'aria-labelledby': 'vars-title' },
    h('h2#vars-title', 'Variables here ', h('small.muted', '— press one to insert it where you were typing')),
    groups.filter((g) => g.items.length).map((g) => h('div.var-group', h('h3', g.title),
      h('ul', g.items.map((item) => h('li', h('button.var', {
        type: 'button',
        dataset: { expr: item.expr },
        title: item.hint || '',
        onclick: () => use(`{{ ${item.expr} }}`, lastField()),
      }, h('code', item.expr), item.hint ? h('span.muted', ` ${item.hint}`) : null)))))));
  el.append(section);
  return section;
}

function use(text, field) {
  if (field && field.isConnected && !field.disabled) {
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start + text.length, start + text.length);
    // JSONEditor listens to change; other inputs to input.
    field.dispatchEvent(new Event('input', { bubbles: true }));
    field.dispatchEvent(new Event('change', { bubbles: true }));
    return;
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => flash(`Copied ${text}`, 'success'), () => flash(text, 'info'));
  } else {
    flash(`${text} — select a field first to insert it`, 'info');
  }
}
