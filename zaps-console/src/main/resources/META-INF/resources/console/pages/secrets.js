// Secrets: the credential store's names and timestamps (GET /api/secrets). Set or replace one (PUT
// /api/secrets/{name}, the value typed into a password field and never shown again), delete one after a confirm.
import { get, put, del, seg } from '../api.js';
import { h, mount, time, ago, act, flash } from '../dom.js';

export async function render(main) {
  const tbody = h('tbody');
  const name = h('input#secret-name', { required: true, autocomplete: 'off', spellcheck: false, pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]*', placeholder: 'smtp_password' });
  const value = h('input#secret-value', { type: 'password', required: true, autocomplete: 'new-password' });
  const save = h('button.primary#secret-save', { type: 'submit' }, 'Save secret');
  const form = h('form.panel.secret-form', {
    onsubmit: (e) => {
      e.preventDefault();
      act(save, async () => {
        const n = name.value.trim();
        await put(`api/secrets/${seg(n)}`, { value: value.value });
        value.value = '';
        flash(`Secret ${n} saved. Use it as {{ secret('${n}') }}.`, 'success');
        await load();
      });
    },
  },
  h('h2#secret-form-title', 'Set a secret'),
  h('p.muted', 'Values are encrypted at rest and write-only: nobody can read them back here or through the API. Saving an existing name replaces its value.'),
  h('div.toolbar',
    h('div.field', h('label', { for: 'secret-name' }, 'Name'), name),
    h('div.field', h('label', { for: 'secret-value' }, 'Value'), value),
    save));

  main.append(h('h1', 'Secrets'), form,
    h('div.table-wrap', h('table.secrets', h('thead', h('tr', h('th', 'Name'), h('th.optional', 'Reference'), h('th.optional', 'Created'), h('th', 'Updated'), h('th', 'Actions'))), tbody)));

  async function load() {
    const list = (await get('api/secrets')) || [];
    list.sort((a, b) => a.name.localeCompare(b.name));
    if (!list.length) { mount(tbody, h('tr', h('td', { colSpan: 5 }, h('span.muted', 'No secrets yet.')))); return; }
    mount(tbody, list.map((s) => h('tr', { dataset: { secret: s.name } },
      h('td.mono', s.name),
      h('td.optional', h('code', `{{ secret('${s.name}') }}`)),
      h('td.optional', { title: time(s.created_at) }, ago(s.created_at)),
      h('td', { title: time(s.updated_at) }, ago(s.updated_at)),
      h('td',
        h('button', { type: 'button', 'aria-label': `Replace ${s.name}`, onclick: () => { name.value = s.name; value.value = ''; value.focus(); } }, 'Replace'), ' ',
        h('button.danger', { type: 'button', 'aria-label': `Delete ${s.name}`, onclick: (e) => {
          // A workflow naming a deleted secret fails at its next run, so ask first.
          if (!confirm(`Delete the secret ${s.name}? Workflows that use it will fail until it is set again.`)) return;
          act(e.currentTarget, async () => { await del(`api/secrets/${seg(s.name)}`); flash(`Secret ${s.name} deleted.`, 'success'); await load(); });
        } }, 'Delete')))));
  }
  await load();
}
