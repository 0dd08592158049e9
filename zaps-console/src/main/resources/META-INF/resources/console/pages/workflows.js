// Workflows: every workflow with its status, version, last run, 24-hour success rate and sparklines
// (GET /api/workflows?with=stats). Change status, export the JSON,
// import one (a file or pasted JSON → POST /api/workflows, the server's field errors shown), open in the builder.
import { get, post, put, seg, ApiError } from '../api.js';
import { h, mount, badge, ago, time, duration, act, flash, showError } from '../dom.js';
import { go } from '../app.js';
import { sparkline } from '../components/sparkline.js';

export const WORKFLOW_STATUSES = ['active', 'paused', 'disabled'];

/** Sets a workflow's status (PUT /api/workflows/{id}/status). */
export async function setStatus(id, status) {
  return put(`api/workflows/${seg(id)}/status`, { status });
}

/** Downloads a workflow's current definition as <id>.json (without the server-set version and times). */
export async function exportWorkflow(id) {
  const definition = await get(`api/workflows/${seg(id)}`);
  for (const key of ['version', 'created_at', 'updated_at']) delete definition[key];
  const blob = new Blob([JSON.stringify(definition, null, 2) + '\n'], { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `${id}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The server's validation errors as list items: "field: message". */
export function problemList(e) {
  const p = (e && e.problem) || {};
  const items = Array.isArray(p.errors) && p.errors.length
    ? p.errors.map((x) => h('li', x.field ? [h('code', x.field), ': '] : null, x.message || x.detail || ''))
    : [h('li', [p.title, p.detail].filter(Boolean).join(': ') || String(e.message || e))];
  return h('ul.problems', items);
}

export async function render(main) {
  const tbody = h('tbody');
  const note = h('p.muted');
  main.append(
    h('div.page-head', h('h1', 'Workflows'),
      h('a.button', { href: '#/templates' }, 'From a template'),
      h('a.button.primary', { href: '#/builder' }, 'New workflow')),
    h('div.table-wrap', h('table.workflows', h('thead', h('tr',
      h('th', 'Workflow'), h('th', 'Status'), h('th.optional', 'Version'), h('th', 'Last run'),
      h('th.optional', 'Success 24 h'), h('th.optional', 'Runs per hour · p50'), h('th', 'Actions'))), tbody)),
    note,
    importPanel());

  // GET /api/workflows?with=stats answers one summary per workflow with its run statistics; a gateway without it
  // ignores the parameter and answers the plain definitions (no runs_24h), shown without statistics.
  let summaries = await get('api/workflows?with=stats');
  if (summaries.length && !('runs_24h' in summaries[0])) {
    summaries = summaries.map((w) => ({ id: w.id, name: w.name, status: w.status, version: w.version, updated_at: w.updated_at }));
    note.textContent = 'Run statistics need GET /api/workflows?with=stats, which this gateway does not offer.';
  }
  summaries.sort((a, b) => String(a.name || a.id).localeCompare(String(b.name || b.id)));
  if (!summaries.length) {
    tbody.append(h('tr', h('td', { colSpan: 7 }, 'No workflows yet. ', h('a', { href: '#/templates' }, 'Start from a template'), ' or ',
      h('a', { href: '#/builder' }, 'build one'), '.')));
  }
  for (const w of summaries) tbody.append(row(w));
}

function row(w) {
  const href = `#/workflows/${encodeURIComponent(w.id)}`;
  const select = h('select', { 'aria-label': `Status of ${w.name || w.id}`, dataset: { workflowId: w.id } },
    WORKFLOW_STATUSES.map((s) => h('option', { value: s, selected: s === (w.status || 'active') }, s)));
  const statusBadge = h('span.wf-status', badge(w.status || 'active'));
  select.onchange = () => act(select, async () => {
    const updated = await setStatus(w.id, select.value);
    w.status = (updated && updated.status) || select.value;
    mount(statusBadge, badge(w.status));
    flash(`${w.name || w.id} is ${w.status}.`, 'success');
  }).then(() => { select.value = w.status || 'active'; });
  const last = w.last_run;
  const rate = typeof w.success_rate_24h === 'number' ? `${Math.round(w.success_rate_24h * (w.success_rate_24h <= 1 ? 100 : 1))} %` : '—';
  return h('tr', { dataset: { workflowId: w.id } },
    h('td', h('a.wf-link', { href }, w.name || w.id), h('div.muted.mono', w.id)),
    h('td', statusBadge, ' ', select),
    h('td.optional', w.version ? `v${w.version}` : '—', h('div.muted', { title: time(w.updated_at) }, w.updated_at ? ago(w.updated_at) : '')),
    h('td', last
      ? [h('a', { href: `#/runs/${encodeURIComponent(last.run_id)}` }, badge(last.status)), ' ', h('span.muted', { title: time(last.created_at) }, ago(last.created_at))]
      : h('span.muted', 'never')),
    h('td.optional', rate, w.runs_24h !== undefined ? h('div.muted', `${w.runs_24h} run${w.runs_24h === 1 ? '' : 's'}`) : null),
    h('td.optional', w.sparkline ? [sparkline(w.sparkline), w.p50_ms_24h ? h('div.muted', `p50 ${duration(w.p50_ms_24h)}`) : null] : '—'),
    h('td.actions-cell',
      h('a.button', { href: `#/runs?workflow=${encodeURIComponent(w.id)}` }, 'Runs'), ' ',
      h('a.button', { href: `#/builder/${encodeURIComponent(w.id)}` }, 'Open in builder'), ' ',
      h('button', { type: 'button', onclick: (e) => act(e.currentTarget, () => exportWorkflow(w.id)) }, 'Export')));
}

/** Import: a JSON file or pasted JSON, POSTed as a new workflow; the server's errors are listed by field. */
function importPanel() {
  const file = h('input#import-file', { type: 'file', accept: 'application/json,.json' });
  const text = h('textarea#import-json', { rows: 8, spellcheck: false, placeholder: '{"id": "...", "name": "...", "entry_point": "...", "steps": [...]}' });
  const errors = h('div#import-errors.error', { role: 'alert' });
  const button = h('button.primary#import-button', { type: 'submit' }, 'Import');
  file.onchange = async () => { if (file.files[0]) text.value = await file.files[0].text(); };
  return h('details.panel#import', h('summary', 'Import a workflow (JSON)'),
    h('form', {
      onsubmit: (e) => {
        e.preventDefault();
        errors.replaceChildren();
        let definition;
        try { definition = JSON.parse(text.value); } catch (err) { errors.append(`Not JSON: ${err.message}`); text.focus(); return; }
        act(button, async () => {
          try {
            const created = await post('api/workflows', definition);
            flash(`Imported ${created.name || created.id}.`, 'success');
            go(`#/workflows/${encodeURIComponent(created.id)}`);
          } catch (err) {
            if (err instanceof ApiError && err.status === 400) { errors.append(h('p', 'The server refused it:'), problemList(err)); return; }
            throw err;
          }
        });
      },
    },
    h('div.field', h('label', { for: 'import-file' }, 'From a file'), file),
    h('div.field', h('label', { for: 'import-json' }, 'Or paste the JSON'), text),
    errors,
    h('div.actions', button)));
}
