// The builder's test run: a sample context, "Save & run", and the run watched live — nodes coloured by their
// step's status from GET /api/runs/{id}, fetched again whenever the run stream (GET /api/runs/stream?run_id=)
// says the run changed, and once a second anyway (the stream may be unavailable or behind a proxy that buffers).
import { h, badge, act, flash } from '../dom.js';
import { get, post, seg, runStream } from '../api.js';
import { fieldsOf } from './builder-model.js';

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Renders the panel into `el`. `ctx`: {storageKey() (for the sample), save() → stored definition or null,
 * onStatuses({stepId: status}), onRun(runId, status) (the run watched and its status), onSample(fields)}.
 * Returns {sampleFields(), stop()}.
 */
export function testRunPanel(el, ctx) {
  const stored = localStorage.getItem(ctx.storageKey());
  const sample = h('textarea#sample-context', { rows: 6, spellcheck: false, 'aria-describedby': 'sample-hint' }, stored || '{}');
  const sampleError = h('p.field-error', { hidden: true, role: 'alert' });
  const runBox = h('div.run-watch', { 'aria-live': 'polite' });
  const runButton = h('button.primary#save-run', { type: 'button' }, 'Save & run');
  let watching = null;

  const parse = () => {
    const text = sample.value.trim() || '{}';
    try {
      const value = JSON.parse(text);
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the context is a JSON object, e.g. {"order_id": "A-1"}');
      sampleError.hidden = true;
      sample.classList.remove('invalid');
      return value;
    } catch (e) {
      sampleError.hidden = false;
      sampleError.textContent = `Sample context: ${e.message}`;
      sample.classList.add('invalid');
      return null;
    }
  };
  sample.addEventListener('change', () => {
    localStorage.setItem(ctx.storageKey(), sample.value);
    const value = parse();
    if (value) ctx.onSample(fieldsOf(value));
  });

  runButton.addEventListener('click', () => act(runButton, async () => {
    const context = parse();
    if (!context) return;
    localStorage.setItem(ctx.storageKey(), sample.value);
    const saved = await ctx.save();
    if (!saved) return;
    const run = await post(`api/workflows/${seg(saved.id)}/trigger`, { context });
    watch(run.run_id);
  }));

  function watch(runId) {
    stop();
    const link = h('a', { href: `#/runs/${encodeURIComponent(runId)}` }, runId);
    const status = h('span.run-status', badge('pending'));
    const error = h('p.error', { hidden: true });
    runBox.replaceChildren(h('p', 'Run ', link, ' ', status, ' ', h('a', { href: `#/runs/${encodeURIComponent(runId)}` }, 'Open the run detail')), error);
    let busy = false;
    let again = false;
    let done = false;
    const refresh = async () => {
      if (done) return;
      if (busy) { again = true; return; }
      busy = true;
      try {
        const snapshot = await get(`api/runs/${seg(runId)}`);
        const statuses = {};
        for (const [id, step] of Object.entries(snapshot.steps || {})) statuses[id] = step.status;
        ctx.onStatuses(statuses);
        status.replaceChildren(badge(snapshot.status));
        if (ctx.onRun) ctx.onRun(runId, snapshot.status);
        if (snapshot.error) { error.hidden = false; error.textContent = typeof snapshot.error === 'string' ? snapshot.error : JSON.stringify(snapshot.error); }
        if (FINAL.has(snapshot.status)) { done = true; stop(); flash(`Test run ${snapshot.status}`, snapshot.status === 'completed' ? 'success' : 'error'); }
      } catch (e) {
        if (!(e.status === 404)) { done = true; stop(); throw e; } // 404: the run is not projected yet
      } finally {
        busy = false;
        if (again && !done) { again = false; refresh(); }
      }
    };
    let source = null;
    try {
      source = runStream({ run_id: runId }, () => refresh().catch(() => {}));
      source.onerror = () => { if (source) source.close(); source = null; }; // polling carries on
    } catch { source = null; }
    const timer = setInterval(() => refresh().catch(() => {}), 1000);
    watching = { stop() { clearInterval(timer); if (source) source.close(); source = null; } };
    ctx.onStatuses({});
    if (ctx.onRun) ctx.onRun(runId, 'pending');
    refresh().catch(() => {});
  }

  function stop() {
    if (watching) watching.stop();
    watching = null;
  }

  el.append(h('section.test-run', { 'aria-labelledby': 'test-run-title' },
    h('h2#test-run-title', 'Test run'),
    h('label', { for: 'sample-context' }, 'Sample context (JSON)'),
    sample,
    h('small.muted#sample-hint', 'The trigger context of the test run; its fields are offered as variables.'),
    sampleError,
    h('div.actions', runButton),
    runBox));

  return {
    sampleFields() { const v = parse(); return v ? fieldsOf(v) : []; },
    stop,
  };
}
