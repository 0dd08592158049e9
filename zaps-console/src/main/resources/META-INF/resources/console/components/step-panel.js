// One step of a run in detail: status, times, rendered input, output, error, every attempt with its timings;
// for a waiting wait_for_event step the Approve/Resume form (POSTs its resume_url); for loops and branches the
// child runs they started.
import { post } from '../api.js';
import { h, badge, time, duration, json, act, flash } from '../dom.js';
import { shownStatus } from './run-graph.js';

const span = (a, b) => (a ? duration((b ? Date.parse(b) : Date.now()) - Date.parse(a)) : '—');

/**
 * The panel for `stepId` of `run`. `step` is its definition (may be undefined for an unknown id), `children` the
 * child runs this step started ([{run_id, status, index}]) or null while unknown, `onChanged` after an action.
 */
export function stepPanel(run, stepId, step, { children, onChanged } = {}) {
  const state = (run.steps || {})[stepId];
  const status = shownStatus(step, state);
  const parts = [
    h('h2#step-title', { tabindex: '-1' }, 'Step ', h('code', stepId), ' ', badge(status)),
    h('dl.meta',
      h('dt', 'Type'), h('dd', step ? step.type : (state && state.type) || '—'),
      h('dt', 'Started'), h('dd', time(state && state.start_time)),
      h('dt', 'Ended'), h('dd', time(state && state.end_time)),
      h('dt', 'Duration'), h('dd', state ? span(state.start_time, state.end_time) : '—'),
      state && state.next_attempt_at ? [h('dt', 'Next attempt'), h('dd', time(state.next_attempt_at))] : null),
  ];
  if (!state) {
    parts.push(h('p.muted', 'This step has not run.'));
    return h('section.step-panel#step-panel', { 'aria-labelledby': 'step-title' }, parts);
  }
  if (status === 'waiting' && state.output && state.output.resume_url) parts.push(resumeForm(run, stepId, state, onChanged));
  if (state.error) parts.push(h('h3', 'Error'), h('pre.step-error#step-error', state.error));
  parts.push(h('h3', 'Output'), h('div#step-output', json(state.output === null ? undefined : state.output)));
  const links = childLinks(step, state, children);
  if (links) parts.push(links);
  parts.push(h('h3', 'Input (rendered config)'), h('div#step-input', json(state.input === null ? undefined : state.input)));
  if (Array.isArray(state.attempts) && state.attempts.length) {
    parts.push(h('h3', 'Attempts'), h('div.table-wrap', h('table.attempts',
      h('thead', h('tr', h('th', '#'), h('th', 'Started'), h('th', 'Duration'), h('th', 'Outcome'), h('th', 'Error'))),
      h('tbody', state.attempts.map((a) => h('tr',
        h('td', String(a.attempt)), h('td', time(a.start_time)), h('td', span(a.start_time, a.end_time)),
        h('td', a.outcome ? badge(a.outcome === 'succeeded' ? 'completed' : a.outcome === 'timed_out' ? 'failed' : a.outcome) : badge('running'),
          a.outcome === 'timed_out' ? ' timed out' : ''),
        h('td', a.error ? h('span.error', a.error, a.retryable ? ' (retryable)' : '') : '—')))))));
  }
  return h('section.step-panel#step-panel', { 'aria-labelledby': 'step-title' }, parts);
}

/** Approve/Resume: POST the step's resume URL (the gateway's own path, whatever host ZAPS_PUBLIC_URL names). */
function resumeForm(run, stepId, state, onChanged) {
  const url = new URL(state.output.resume_url, location.href);
  const area = h('textarea#resume-body', { rows: 3, spellcheck: false, placeholder: '{"approved_by": "me"}' });
  const error = h('p.error', { hidden: true });
  const button = h('button.primary#resume-step', { type: 'submit' }, 'Approve / resume');
  return h('form.panel.resume', {
    onsubmit: (e) => {
      e.preventDefault();
      let body = {};
      const text = area.value.trim();
      if (text) {
        try { body = JSON.parse(text); } catch (err) { error.hidden = false; error.textContent = `not JSON: ${err.message}`; area.focus(); return; }
      }
      error.hidden = true;
      act(button, async () => {
        await post(url.pathname.replace(/^\//, '') + url.search, body);
        flash(`Step ${stepId} resumed.`, 'success');
        if (onChanged) onChanged();
      });
    },
  },
  h('p', 'This step waits for ', h('code', state.output.waiting_for || 'an event'),
    state.output.timeout_at ? ` until ${time(state.output.timeout_at)}` : '', '. Resume it now; the JSON becomes its output.'),
  h('label', { for: 'resume-body' }, 'Data (JSON, optional)'), area, error,
  h('div.actions', button, h('a', { href: state.output.resume_url, class: 'muted', rel: 'noopener' }, 'resume URL')));
}

/** For for_each, parallel and call_workflow: links to the child runs (by index or branch) and their status. */
function childLinks(step, state, children) {
  const out = state.output || {};
  const type = step ? step.type : state.type;
  if (type === 'call_workflow' && out.run_id) {
    return h('p', 'Called run: ', h('a.mono', { href: `#/runs/${encodeURIComponent(out.run_id)}` }, out.run_id), out.status ? [' ', badge(out.status)] : null);
  }
  if (type !== 'for_each' && type !== 'parallel') return null;
  const items = [];
  if (children && children.length) {
    const branches = type === 'parallel' ? ((step && step.config && step.config.branches) || []) : [];
    for (const c of children) {
      const name = type === 'parallel' ? `branch ${branches[c.index] || c.index}` : `item ${c.index}`;
      items.push(h('li', h('a', { href: `#/runs/${encodeURIComponent(c.run_id)}` }, name), ' ', badge(c.status), ' ', h('span.mono.muted', c.run_id.slice(0, 8))));
    }
  }
  // Results kept by reference (past 256 KiB) carry their run ids themselves.
  for (const [i, r] of (Array.isArray(out.results) ? out.results : []).entries()) {
    if (r && r.run_id && !(children || []).some((c) => c.run_id === r.run_id)) {
      items.push(h('li', h('a', { href: `#/runs/${encodeURIComponent(r.run_id)}` }, `item ${i}`), ' ', badge(r.status)));
    }
  }
  if (!items.length) return h('p.muted', children === null ? 'Looking for its child runs…' : 'No child runs found.');
  return [h('h3', type === 'parallel' ? 'Branches' : 'Iterations'), h('ul.children', items)];
}
