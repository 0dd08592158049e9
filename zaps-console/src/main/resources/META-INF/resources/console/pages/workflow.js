// One workflow: its definition and status, its latest runs (and a link to all of them, filtered), trigger it now
// with a JSON context, every saved version with a diff between any two (jsdiff over pretty JSON).
import { get, post, seg } from '../api.js';
import { h, mount, badge, time, ago, json, act, flash, showError } from '../dom.js';
import { go } from '../app.js';
import { diffView } from '../components/diff-view.js';
import { runDuration } from './runs.js';
import { WORKFLOW_STATUSES, setStatus, exportWorkflow } from './workflows.js';

/** A definition as compared in diffs: without what the server sets on every save. */
const comparable = (d) => {
  const copy = { ...d };
  for (const key of ['version', 'created_at', 'updated_at']) delete copy[key];
  return JSON.stringify(copy, null, 2);
};

export async function render(main, { workflowId }) {
  const w = await get(`api/workflows/${seg(workflowId)}`);
  const enc = encodeURIComponent(w.id);
  const statusBox = h('span#wf-status', badge(w.status || 'active'));
  const select = h('select#wf-status-select', { 'aria-label': 'Status' },
    WORKFLOW_STATUSES.map((s) => h('option', { value: s, selected: s === (w.status || 'active') }, s)));
  select.onchange = () => act(select, async () => {
    const updated = await setStatus(w.id, select.value);
    w.status = (updated && updated.status) || select.value;
    mount(statusBox, badge(w.status));
    flash(`${w.name || w.id} is ${w.status}.`, 'success');
  }).then(() => { select.value = w.status || 'active'; });

  main.append(
    h('div.page-head', h('h1', w.name || w.id, ' ', statusBox),
      h('a.button', { href: `#/runs?workflow=${enc}` }, 'All its runs'),
      h('a.button', { href: `#/builder/${enc}` }, 'Open in builder'),
      h('button', { type: 'button', onclick: (e) => act(e.currentTarget, () => exportWorkflow(w.id)) }, 'Export')),
    h('dl.meta',
      h('dt', 'Id'), h('dd.mono', w.id),
      h('dt', 'Version'), h('dd', `v${w.version ?? '—'}`, w.updated_at ? h('span.muted', ` saved ${ago(w.updated_at)}`) : null),
      h('dt', 'Status'), h('dd', select),
      h('dt', 'Trigger'), h('dd', w.trigger ? h('code', w.trigger.type) : 'REST / zaps.triggers only'),
      w.on_failure ? [h('dt', 'On failure'), h('dd', h('a', { href: `#/workflows/${encodeURIComponent(w.on_failure.workflow_id)}` }, w.on_failure.workflow_id))] : null,
      w.description ? [h('dt', 'Description'), h('dd', w.description)] : null),
    h('div.split',
      h('section.panel', h('h2', 'Latest runs'), runsBox(w)),
      h('section.panel', h('h2', 'Trigger now'), triggerForm(w))),
    h('section.panel', h('h2', 'Versions'), versionsBox(w)),
    h('details.panel', h('summary', 'Current definition (JSON)'), json(w)));
}

function runsBox(w) {
  const box = h('div', h('p.loading', 'Loading…'));
  get(`api/workflows/${seg(w.id)}/runs?limit=10`).then((runs) => {
    if (!runs || !runs.length) { mount(box, h('p.muted', 'No runs yet.')); return; }
    mount(box, h('div.table-wrap', h('table', h('thead', h('tr', h('th', 'Run'), h('th', 'Status'), h('th', 'Created'), h('th', 'Duration'))),
      h('tbody', runs.map((r) => h('tr',
        h('td', h('a.mono', { href: `#/runs/${encodeURIComponent(r.run_id)}` }, r.run_id.slice(0, 8))),
        h('td', badge(r.status)), h('td', { title: time(r.created_at) }, ago(r.created_at)), h('td', runDuration(r))))))),
    h('p', h('a', { href: `#/runs?workflow=${encodeURIComponent(w.id)}` }, 'All runs of this workflow →')));
  }).catch((e) => { mount(box, h('p.error', 'Cannot list the runs.')); showError(e); });
  return box;
}

function triggerForm(w) {
  const area = h('textarea#trigger-context', { rows: 6, spellcheck: false }, '{\n  \n}');
  const error = h('p.error', { hidden: true });
  const button = h('button.primary#trigger-button', { type: 'submit' }, 'Trigger');
  return h('form', {
    onsubmit: (e) => {
      e.preventDefault();
      let context;
      try { context = JSON.parse(area.value.trim() || '{}'); } catch (err) { error.hidden = false; error.textContent = `Not JSON: ${err.message}`; area.focus(); return; }
      if (context === null || typeof context !== 'object' || Array.isArray(context)) { error.hidden = false; error.textContent = 'The context must be a JSON object.'; return; }
      error.hidden = true;
      act(button, async () => {
        const run = await post(`api/workflows/${seg(w.id)}/trigger`, { context });
        flash('Run started.', 'success');
        go(`#/runs/${encodeURIComponent(run.run_id)}`);
      });
    },
  },
  h('label', { for: 'trigger-context' }, 'Context (JSON object: the data the templates see)'), area, error,
  h('div.actions', button));
}

function versionsBox(w) {
  const box = h('div', h('p.loading', 'Loading…'));
  get(`api/workflows/${seg(w.id)}/versions`).then((versions) => {
    versions = versions || [];
    if (versions.length < 2) {
      mount(box, h('p.muted', `Only one version (v${w.version ?? 1}) so far; each save makes a new one.`));
      return;
    }
    const option = (v, sel) => h('option', { value: v.version, selected: sel }, `v${v.version} · ${time(v.updated_at)}`);
    const from = h('select#diff-from', versions.map((v, i) => option(v, i === versions.length - 2)));
    const to = h('select#diff-to', versions.map((v, i) => option(v, i === versions.length - 1)));
    const out = h('div#diff-out');
    const cache = {};
    const version = (n) => cache[n] || (cache[n] = get(`api/workflows/${seg(w.id)}/versions/${n}`));
    async function show() {
      try {
        const [a, b] = await Promise.all([version(from.value), version(to.value)]);
        mount(out, diffView(comparable(a), comparable(b)));
      } catch (e) { showError(e); }
    }
    from.onchange = show;
    to.onchange = show;
    mount(box,
      h('ol.versions', { reversed: true }, [...versions].reverse().map((v) => h('li', `v${v.version}`, h('span.muted', ` ${time(v.updated_at)}`)))),
      h('div.toolbar',
        h('div.field', h('label', { for: 'diff-from' }, 'Compare'), from),
        h('div.field', h('label', { for: 'diff-to' }, 'with'), to)),
      out);
    show();
  }).catch((e) => { mount(box, h('p.error', 'Cannot list the versions.')); showError(e); });
  return box;
}
