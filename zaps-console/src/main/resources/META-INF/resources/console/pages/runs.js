// Runs: every run across all workflows, newest first (GET /api/runs), filtered by workflow, status, time and
// run id. The filters live in the hash query (#/runs?workflow=x&status=failed) so a filtered view can be linked;
// changing one replaces the hash without a hashchange, so the page (and its stream) stays. New runs and status
// changes arrive over GET /api/runs/stream and are applied in place.
import { get, runStream } from '../api.js';
import { h, mount, badge, time, duration, ago, showError, act } from '../dom.js';

export const RUN_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
const PAGE = 50;

/** The filters of a hash query: {workflow, status: [..], since, until, run}. */
function filtersOf(query) {
  return {
    workflow: query.get('workflow') || '',
    status: (query.get('status') || '').split(',').filter((s) => RUN_STATUSES.includes(s)),
    since: query.get('since') || '',
    until: query.get('until') || '',
    run: query.get('run') || '',
  };
}

function hashOf(f) {
  const q = new URLSearchParams();
  if (f.workflow) q.set('workflow', f.workflow);
  if (f.status.length) q.set('status', f.status.join(','));
  if (f.since) q.set('since', f.since);
  if (f.until) q.set('until', f.until);
  if (f.run) q.set('run', f.run);
  const s = q.toString();
  return s ? `#/runs?${s}` : '#/runs';
}

/** The API query for the filters (status chips select; the counts ignore them, as the server does). */
function apiQuery(f, cursor) {
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (f.workflow) q.set('workflow_id', f.workflow);
  if (f.status.length) q.set('status', f.status.join(','));
  if (f.since) q.set('since', f.since);
  if (f.until) q.set('until', f.until);
  if (f.run) q.set('run_id', f.run.toLowerCase());
  if (cursor) q.set('cursor', cursor);
  return q;
}

/** Whether a streamed summary belongs in the filtered list. */
function matches(f, run) {
  if (f.workflow && run.workflow_id !== f.workflow) return false;
  if (f.status.length && !f.status.includes(run.status)) return false;
  if (f.since && run.created_at < new Date(f.since).toISOString()) return false;
  if (f.until && run.created_at >= new Date(f.until).toISOString()) return false;
  if (f.run && !run.run_id.startsWith(f.run.toLowerCase())) return false;
  return true;
}

// <input type=datetime-local> speaks local time without a zone; the hash and the API speak ISO instants.
const toLocalInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};
const fromLocalInput = (value) => (value ? new Date(value).toISOString() : '');

export function runDuration(run) {
  if (run.duration_ms !== undefined && run.duration_ms !== null) return duration(run.duration_ms);
  const from = run.started_at || run.created_at;
  if (!from) return '—';
  const end = run.completed_at ? new Date(run.completed_at) : new Date();
  return duration(end - new Date(from));
}

export async function render(main, params) {
  const f = filtersOf(params.query || new URLSearchParams());
  const state = { runs: new Map(), statusOf: new Map(), cursor: null, counts: {}, loading: 0, newest: null };

  const workflowSelect = h('select#runs-workflow', { 'aria-label': 'Workflow' }, h('option', { value: '' }, 'All workflows'));
  const since = h('input#runs-since', { type: 'datetime-local', value: toLocalInput(f.since) });
  const until = h('input#runs-until', { type: 'datetime-local', value: toLocalInput(f.until) });
  const search = h('input#runs-search', { type: 'search', placeholder: 'run id or its start', value: f.run, autocomplete: 'off', spellcheck: false });
  const chips = h('div.counts', { role: 'group', 'aria-label': 'Status' });
  const tbody = h('tbody');
  const empty = h('p.muted#runs-empty', { hidden: true }, 'No runs match these filters.');
  const more = h('button#runs-more', { type: 'button', hidden: true }, 'Load more');
  const live = h('span.muted.live#runs-live', '');

  main.append(
    h('div.page-head', h('h1', 'Runs'), live),
    h('form.toolbar', { onsubmit: (e) => e.preventDefault(), role: 'search', 'aria-label': 'Filter runs' },
      h('div.field', h('label', { for: 'runs-workflow' }, 'Workflow'), workflowSelect),
      h('div.field', h('label', { for: 'runs-since' }, 'Since'), since),
      h('div.field', h('label', { for: 'runs-until' }, 'Until'), until),
      h('div.field', h('label', { for: 'runs-search' }, 'Run id'), search),
      h('button', { type: 'button', onclick: () => { Object.assign(f, filtersOf(new URLSearchParams())); resetInputs(); changed(); } }, 'Clear')),
    chips,
    h('div.table-wrap', h('table.runs', h('thead', h('tr',
      h('th', 'Run'), h('th', 'Workflow'), h('th', 'Status'), h('th.optional', 'Created'), h('th', 'Duration'),
      h('th.optional', 'Step / error'))), tbody)),
    empty,
    h('div.actions', more));

  function resetInputs() {
    workflowSelect.value = f.workflow; since.value = toLocalInput(f.since); until.value = toLocalInput(f.until); search.value = f.run;
  }

  // The workflow names for the select (and for the rows); the list works without them.
  const names = {};
  get('api/workflows').then((list) => {
    for (const w of list || []) {
      names[w.id] = w.name;
      workflowSelect.append(h('option', { value: w.id }, w.name ? `${w.name} (${w.id})` : w.id));
    }
    if (f.workflow && !names[f.workflow]) workflowSelect.append(h('option', { value: f.workflow }, f.workflow));
    workflowSelect.value = f.workflow;
    for (const run of state.runs.values()) run.row.replaceWith(run.row = row(run.data));
  }).catch(showError);

  workflowSelect.onchange = () => { f.workflow = workflowSelect.value; changed(); };
  since.onchange = () => { f.since = fromLocalInput(since.value); changed(); };
  until.onchange = () => { f.until = fromLocalInput(until.value); changed(); };
  let typing;
  search.oninput = () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      const value = search.value.trim();
      // The API takes a run id's first 4 or more characters; shorter is no filter yet.
      f.run = value.length >= 4 ? value : '';
      changed();
    }, 300);
  };

  function changed() {
    history.replaceState(null, '', hashOf(f));
    load(false);
  }

  function drawChips() {
    mount(chips, RUN_STATUSES.map((s) => {
      const on = f.status.includes(s);
      return h(`button.chip`, {
        type: 'button', 'aria-pressed': String(on), dataset: { status: s },
        onclick: () => { f.status = on ? f.status.filter((x) => x !== s) : [...f.status, s]; changed(); },
      }, badge(s), h('span.count', String(state.counts[s] ?? 0)));
    }));
  }

  function row(run) {
    const href = `#/runs/${encodeURIComponent(run.run_id)}`;
    const tr = h('tr.clickable', {
      dataset: { runId: run.run_id, status: run.status },
      // The id cell holds the real link (keyboard, middle-click); a click anywhere else on the row follows it.
      onclick: (e) => { if (!e.target.closest('a')) location.hash = href; },
    },
    h('td', h('a.mono.run-link', { href, title: run.run_id }, run.run_id.slice(0, 8)),
      run.parent_run_id ? h('span.muted.child-mark', { title: `started by run ${run.parent_run_id}` }, ' ↳ child') : null),
    h('td', h('a', { href: `#/workflows/${encodeURIComponent(run.workflow_id)}` }, names[run.workflow_id] || run.workflow_id),
      run.workflow_version ? h('span.muted', ` v${run.workflow_version}`) : null),
    h('td', badge(run.status)),
    h('td.optional', { title: time(run.created_at) }, ago(run.created_at)),
    h('td', runDuration(run)),
    h('td.optional', run.error ? h('span.error', run.error) : h('span.mono', run.current_step_id || '')));
    return tr;
  }

  async function load(append) {
    const current = ++state.loading;
    more.disabled = true;
    try {
      const page = await get(`api/runs?${apiQuery(f, append ? state.cursor : null)}`);
      if (current !== state.loading) return;
      if (!append) { state.runs.clear(); state.statusOf.clear(); tbody.replaceChildren(); state.newest = page.runs?.[0]?.created_at || null; }
      for (const run of page.runs || []) {
        state.statusOf.set(run.run_id, run.status);
        if (state.runs.has(run.run_id)) continue;
        const tr = row(run);
        state.runs.set(run.run_id, { data: run, row: tr });
        tbody.append(tr);
      }
      state.cursor = page.next_cursor || null;
      state.counts = page.counts || {};
      drawChips();
      more.hidden = !state.cursor;
      empty.hidden = state.runs.size > 0;
    } catch (e) {
      showError(e);
    } finally {
      more.disabled = false;
    }
  }

  more.onclick = () => act(more, () => load(true));

  /** A run summary from the stream: update its row in place, or add it at the top when it is new. */
  function onRun(run) {
    count(run);
    const known = state.runs.get(run.run_id);
    if (known) {
      if (!matches(f, run)) { known.row.remove(); state.runs.delete(run.run_id); empty.hidden = state.runs.size > 0; return; }
      const tr = row(run);
      known.row.replaceWith(tr);
      known.row = tr; known.data = run;
      return;
    }
    // Only runs newer than the newest shown go on top; an older one changing belongs further down, unloaded.
    if (!matches(f, run) || !isNew(run)) return;
    const tr = row(run);
    state.runs.set(run.run_id, { data: run, row: tr });
    tbody.prepend(tr);
    empty.hidden = true;
  }
  function isNew(run) {
    return !state.newest || run.created_at >= state.newest;
  }
  /** Keeps the per-status counts (all filters but status) current: a new run adds one, a change moves one. */
  function count(run) {
    if (!matches({ ...f, status: [] }, run)) return;
    const before = state.statusOf.get(run.run_id);
    if (before === run.status) return;
    if (before === undefined && !isNew(run)) return; // an old run we never counted: the server's counts have it
    if (before !== undefined) state.counts[before] = Math.max(0, (state.counts[before] || 0) - 1);
    state.counts[run.status] = (state.counts[run.status] || 0) + 1;
    state.statusOf.set(run.run_id, run.status);
    drawChips();
  }

  await load(false);

  // Live updates; EventSource reconnects by itself after a network drop. If the stream cannot be had at all
  // (closed for good), poll the first page instead, every 5 s.
  let poll = null;
  let source = null;
  function openStream() {
    if (source) source.close();
    source = runStream(f.workflow ? { workflow_id: f.workflow } : {}, onRun);
    source.onopen = () => {
      live.textContent = '● live';
      live.title = 'new runs and status changes appear as they happen';
      catchUp();
    };
    source.onerror = () => {
      live.textContent = '';
      if (source.readyState === EventSource.CLOSED && !poll) poll = setInterval(() => load(false), 5000);
    };
  }
  // The stream does not replay: after it (re)opens, what changed meanwhile is read from the first page, oldest
  // first so the newest ends on top, without dropping the pages already loaded.
  async function catchUp() {
    try {
      const page = await get(`api/runs?${apiQuery(f, null)}`);
      for (const run of [...(page.runs || [])].reverse()) {
        const known = state.runs.get(run.run_id);
        if (!known || known.data.status !== run.status || known.data.completed_at !== run.completed_at) onRun(run);
      }
      state.counts = page.counts || state.counts;
      drawChips();
    } catch (e) { /* the next event or reconnect tries again */ }
  }
  openStream();
  workflowSelect.addEventListener('change', openStream);
  // Running durations and "… ago" keep moving; only the text changes, so focus stays where it is.
  const ticking = setInterval(() => {
    for (const run of state.runs.values()) {
      const cells = run.row.cells;
      cells[3].textContent = ago(run.data.created_at);
      if (!run.data.completed_at) cells[4].textContent = runDuration(run.data);
    }
  }, 5000);

  return () => {
    if (source) source.close();
    clearInterval(poll);
    clearInterval(ticking);
    clearTimeout(typing);
  };
}
