// Templates: ready-made workflows (console/templates). Pick one, fill in its placeholders in a form, then create it
// (POST /api/workflows; the server's field errors shown) and open it, or open it in the builder to change it first.
import { post, ApiError } from '../api.js';
import { h, mount, act, flash } from '../dom.js';
import { go } from '../app.js';
import { templateIndex, loadTemplate, defaults, fillTemplate } from '../components/template-library.js';
import { problemList } from './workflows.js';

export async function render(main) {
  const list = await templateIndex();
  const formBox = h('div#template-form');
  main.append(
    h('h1', 'Templates'),
    h('p.muted', `${list.length} ready-made workflows. Choose one, fill in the blanks, and create it; or open it in the builder to change it first.`),
    h('div.grid.templates', list.map((t) => h('article.panel.template-card', { dataset: { template: t.name } },
      h('h2', t.title),
      h('p', t.description),
      t.tags ? h('p.tags', t.tags.map((tag) => h('span.tag', tag))) : null,
      h('div.actions',
        h('button.primary', { type: 'button', 'aria-label': `Use ${t.title}`, onclick: () => open(t) }, 'Use'),
        h('a.button', { href: `#/builder?template=${encodeURIComponent(t.name)}` }, 'Open in builder'))))),
    formBox);

  async function open(entry) {
    const definition = await loadTemplate(entry.name);
    mount(formBox, templateForm(entry, definition));
    formBox.scrollIntoView({ block: 'start' });
    formBox.querySelector('input')?.focus();
  }
}

function templateForm(entry, definition) {
  const values = defaults(entry);
  const inputs = {};
  const errors = h('div.error#template-errors', { role: 'alert' });
  const fields = (entry.placeholders || []).map((p) => {
    const id = `tpl-${p.key}`;
    const input = h(`input#${id}`, {
      name: p.key, value: String(values[p.key] ?? ''), required: true, autocomplete: 'off', spellcheck: false,
      type: p.type === 'integer' || p.type === 'number' ? 'number' : 'text', 'aria-describedby': `${id}-help`,
    });
    inputs[p.key] = input;
    return h('div.field', h('label', { for: id }, p.label || p.key), input, h('small.muted', { id: `${id}-help` }, p.description || ''));
  });
  const preview = h('pre.json.template-preview');
  const current = () => fillTemplate(definition, Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])), entry.placeholders);
  const showPreview = () => { preview.textContent = JSON.stringify(current(), null, 2); };
  Object.values(inputs).forEach((i) => i.addEventListener('input', showPreview));
  showPreview();

  const create = h('button.primary#template-create', { type: 'submit' }, 'Create workflow');
  const createAndBuild = h('button#template-create-builder', { type: 'button' }, 'Create and open in builder');
  async function submit(button, target) {
    errors.replaceChildren();
    for (const i of Object.values(inputs)) i.closest('.field').classList.remove('invalid');
    await act(button, async () => {
      try {
        const created = await post('api/workflows', current());
        flash(`Created ${created.name || created.id} from the template.`, 'success');
        go(target(created.id));
      } catch (e) {
        if (!(e instanceof ApiError) || ![400, 409].includes(e.status)) throw e;
        // Point at the form field whose value the refused part of the workflow came from, when we can tell.
        if (e.status === 409) inputs.workflow_id?.closest('.field').classList.add('invalid');
        errors.append(h('p', 'The server refused the workflow:'), problemList(e));
      }
    });
  }
  createAndBuild.onclick = () => submit(createAndBuild, (id) => `#/builder/${encodeURIComponent(id)}`);
  return h('form.panel.template-form', {
    'aria-labelledby': 'template-form-title',
    onsubmit: (e) => { e.preventDefault(); submit(create, (id) => `#/workflows/${encodeURIComponent(id)}`); },
  },
  h('h2#template-form-title', entry.title),
  h('p.muted', entry.description),
  h('div.form-grid', fields),
  errors,
  h('div.actions', create, createAndBuild),
  h('details', h('summary', 'The workflow that will be created'), preview));
}
