// Run detail: the run's header and controls, the workflow version that ran drawn as a graph coloured by step
// status, the chosen step's panel, a timeline of every attempt. Live: the run's stream (GET /api/runs/stream?run_id=)
// says when something changed and the page re-reads the snapshot (GET /api/runs/{id}); polling every 2 s only
// when the stream cannot be had.
import { get, post, runStream, seg } from '../api.js';
import { h, mount, badge, time, duration, json, act, flash, showError } from '../dom.js';
import { go } from '../app.js';
import { runGraph } from '../components/run-graph.js';
import { timeline } from '../components/timeline.js';
import { stepPanel } from '../components/step-panel.js';

const FINAL = ['completed', 'failed', 'cancelled'];

export async function render(main, { runId }) {
  let run = await get(`api/runs/${seg(runId)}`);
  const definition = await workflowOf(run);
  const stepById = Object.fromEntries((definition.steps || []).map((s) => [s.id, s]));
  const order = (definition.steps || []).map((s) => s.id).concat(Object.keys(run.steps || {}).filter((id) => !stepById[id]));
  let selected = new URLSearchParams(location.hash.split('?')[1] || '').get('step') || run.current_step_id || definition.entry_point;
  let children = null; // [{run_id, status, step_id, index}] once looked up
  let childrenAt = 0;
  let panelKey = '';

  const head = h('div.run-head');
  const actions = h('div.actions.run-actions');
  const graphBox = h('div.panel.graph-panel');
  const panelBox = h('div.panel.step-box', { 'aria-live': 'polite' });
  const timelineBox = h('div.panel');
  const contextBox = h('div');
  main.append(head, actions, h('div.split', graphBox, panelBox), h('h2', 'Timeline'), timelineBox,
    h('details.panel', h('summary', 'Trigger context'), contextBox));

  function select(stepId, focusPanel) {
    selected = stepId;
    panelKey = '';
    draw();
    if (focusPanel) document.getElementById('step-title')?.focus();
  }

  function draw() {
    mount(head,
      h('h1', 'Run ', h('code', { title: run.run_id }, run.run_id.slice(0, 8)), ' ', h('span#run-status', badge(run.status))),
      h('dl.meta.run-meta',
        h('dt', 'Workflow'), h('dd', h('a#run-workflow', { href: `#/workflows/${encodeURIComponent(run.workflow_id)}` }, definition.name || run.workflow_id),
          h('span.muted', ` ${run.workflow_id} · version ${run.workflow_version ?? '—'}`)),
        h('dt', 'Run id'), h('dd.mono', run.run_id),
        h('dt', 'Created'), h('dd', time(run.created_at)),
        h('dt', 'Started'), h('dd', time(run.started_at)),
        h('dt', 'Completed'), h('dd', time(run.completed_at)),
        h('dt', 'Duration'), h('dd', run.started_at || run.created_at
          ? duration((run.completed_at ? Date.parse(run.completed_at) : Date.now()) - Date.parse(run.started_at || run.created_at)) : '—'),
        run.parent ? [h('dt', 'Parent run'), h('dd', h('a#run-parent', { href: `#/runs/${encodeURIComponent(run.parent.run_id)}` }, run.parent.run_id.slice(0, 8)),
          ` step ${run.parent.step_id}, ${run.parent.index !== undefined ? 'index ' + run.parent.index : ''}`)] : null,
        run.current_step_id ? [h('dt', 'Current step'), h('dd.mono', run.current_step_id)] : null),
      run.error ? h('p.error.run-error#run-error', run.error) : null);

    const s = run.status;
    const control = (label, path, enabled, cls = '') => enabled
      ? h(`button${cls}`, { type: 'button', id: `run-${path}`, onclick: (e) => act(e.currentTarget, async () => {
        run = await post(`api/runs/${seg(run.run_id)}/${path}`);
        flash(`${label}: sent.`, 'success');
        draw();
      }) }, label)
      : null;
    mount(actions,
      control('Cancel', 'cancel', ['pending', 'running', 'paused'].includes(s), '.danger'),
      control('Pause', 'pause', s === 'running'),
      control('Resume', 'resume', s === 'paused'),
      control('Retry', 'retry', s === 'failed', '.primary'),
      h('button#run-again', { type: 'button', title: 'Start a new run of this workflow with the same trigger context',
        onclick: (e) => act(e.currentTarget, async () => {
          const started = await post(`api/workflows/${seg(run.workflow_id)}/trigger`, { context: run.context || {} });
          flash('Started a new run with the same context.', 'success');
          go(`#/runs/${encodeURIComponent(started.run_id)}`);
        }) }, 'Run again with the same context'));

    const focused = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.stepId;
    mount(graphBox, runGraph(definition, run.steps, { selected, onSelect: (id) => select(id, false) }));
    if (focused) graphBox.querySelector(`[data-step-id="${CSS.escape(focused)}"]`)?.focus();

    // The panel is redrawn only when what it shows changed, so a half-typed resume body survives updates.
    const state = (run.steps || {})[selected];
    const key = JSON.stringify([selected, state, children && children.filter((c) => c.step_id === selected)]);
    if (key !== panelKey) {
      panelKey = key;
      const mine = children && children.filter((c) => c.step_id === selected).sort((a, b) => a.index - b.index);
      mount(panelBox, stepPanel(run, selected, stepById[selected], { children: mine, onChanged: refresh }));
    }
    mount(timelineBox, timeline(run, order));
    mount(contextBox, json(run.context));
    maybeFindChildren();
  }

  /** Child runs of loops and branches: runs listed since this one started whose parent is this run. */
  async function maybeFindChildren() {
    const step = stepById[selected];
    if (!step || !['for_each', 'parallel'].includes(step.type) || !(run.steps || {})[selected]?.start_time) return;
    if (children && (Date.now() - childrenAt < 2000 || FINAL.includes(run.status) && children.length)) return;
    childrenAt = Date.now();
    try {
      const q = new URLSearchParams({ since: run.created_at, limit: '500' });
      const page = await get(`api/runs?${q}`);
      const mine = (page.runs || []).filter((r) => r.parent_run_id === run.run_id).slice(0, 100);
      // The summary names the parent run only; the snapshot says which step and index.
      children = await Promise.all(mine.map(async (r) => {
        const child = await get(`api/runs/${seg(r.run_id)}`);
        return { run_id: r.run_id, status: child.status, step_id: child.parent && child.parent.step_id, index: child.parent ? child.parent.index : 0 };
      }));
    } catch (e) {
      children = []; // the listing is not available: the output's references still link
    }
    draw();
  }

  let pending = null;
  async function refresh() {
    try {
      run = await get(`api/runs/${seg(run.run_id)}`);
      draw();
    } catch (e) {
      showError(e);
    }
  }
  const soon = () => { clearTimeout(pending); pending = setTimeout(refresh, 100); };

  draw();
  graphBox.addEventListener('keydown', (e) => {
    // Enter/Space click the focused step button (native); this moves to the panel after choosing.
    if (e.key === 'Enter' && e.target.dataset && e.target.dataset.stepId) { e.preventDefault(); select(e.target.dataset.stepId, true); }
  });

  let poll = null;
  const source = runStream({ run_id: run.run_id }, soon);
  source.onopen = soon; // anything that changed before the stream was open
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED && !poll) {
      poll = setInterval(() => { if (!FINAL.includes(run.status) || children === null) refresh(); }, 2000);
    }
  };
  const ticking = setInterval(() => { if (!FINAL.includes(run.status)) mount(timelineBox, timeline(run, order)); }, 2000);
  return () => { source.close(); clearInterval(poll); clearInterval(ticking); clearTimeout(pending); };
}

/** The workflow version the run ran, else the current one, else a bare list of the run's steps. */
async function workflowOf(run) {
  try {
    if (run.workflow_version) return await get(`api/workflows/${seg(run.workflow_id)}/versions/${run.workflow_version}`);
  } catch (e) { /* fall through */ }
  try {
    return await get(`api/workflows/${seg(run.workflow_id)}`);
  } catch (e) {
    return { id: run.workflow_id, steps: Object.values(run.steps || {}).map((s) => ({ id: s.step_id, type: s.type, config: {} })) };
  }
}
