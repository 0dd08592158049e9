// A run's timeline: one row per step that ran, one SVG bar per attempt (Gantt), from the run's start to its end
// (or now). Bars are coloured by the attempt's outcome; hovering shows times (an SVG <title>).
import { svg, h, duration } from '../dom.js';

const LABEL = 150; // px for the step names
const ROW = 26;
const WIDTH = 900; // viewBox width; the SVG scales to its container

const OUTCOME_CLASS = { succeeded: 'completed', failed: 'failed', timed_out: 'failed', cancelled: 'cancelled' };

/** The attempts of one step as bars: `{start, end, cls, label}` (times in ms). */
function bars(state, now) {
  const list = Array.isArray(state.attempts) && state.attempts.length ? state.attempts : null;
  if (list) {
    return list.filter((a) => a.start_time).map((a) => ({
      start: Date.parse(a.start_time),
      end: a.end_time ? Date.parse(a.end_time) : now,
      cls: a.end_time ? (OUTCOME_CLASS[a.outcome] || 'completed') : 'running',
      label: `attempt ${a.attempt}${a.outcome ? ': ' + a.outcome : ''}${a.error ? ' — ' + a.error : ''}`,
    }));
  }
  if (!state.start_time) return [];
  return [{
    start: Date.parse(state.start_time),
    end: state.end_time ? Date.parse(state.end_time) : now,
    cls: state.end_time ? state.status : 'running',
    label: state.status,
  }];
}

/** The timeline of a run snapshot; `order` is the step ids in definition order. */
export function timeline(run, order) {
  const now = Date.now();
  const rows = (order || Object.keys(run.steps || {}))
    .map((id) => ({ id, state: (run.steps || {})[id] }))
    .filter((r) => r.state)
    .map((r) => ({ ...r, bars: bars(r.state, now) }))
    .filter((r) => r.bars.length);
  if (!rows.length) return h('p.muted', 'No step has started yet.');
  const t0 = Math.min(Date.parse(run.started_at || run.created_at), ...rows.flatMap((r) => r.bars.map((b) => b.start)));
  const t1 = Math.max(run.completed_at ? Date.parse(run.completed_at) : now, ...rows.flatMap((r) => r.bars.map((b) => b.end)), t0 + 1);
  const span = t1 - t0;
  const x = (t) => LABEL + ((t - t0) / span) * (WIDTH - LABEL - 10);
  const height = rows.length * ROW + 24;
  const chart = svg('svg', { class: 'timeline', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img',
    'aria-label': `Timeline of ${rows.length} steps over ${duration(span)}` });
  // Axis: start, middle, end.
  for (const f of [0, 0.5, 1]) {
    const tx = LABEL + f * (WIDTH - LABEL - 10);
    chart.append(svg('line', { x1: tx, x2: tx, y1: 0, y2: height - 18, class: 'tl-grid' }));
    chart.append(svg('text', { x: tx, y: height - 4, class: 'tl-tick', 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' },
      f === 0 ? '0' : `+${duration(span * f)}`));
  }
  rows.forEach((r, i) => {
    const y = i * ROW + 4;
    chart.append(svg('text', { x: 0, y: y + ROW / 2 + 1, class: 'tl-name' }, r.id.length > 20 ? r.id.slice(0, 19) + '…' : r.id));
    for (const b of r.bars) {
      const bx = x(b.start);
      const w = Math.max(3, x(b.end) - bx);
      chart.append(svg('rect', { x: bx, y: y + 3, width: w, height: ROW - 10, rx: 3, class: `tl-bar s-${b.cls}`, dataset: undefined },
        svg('title', {}, `${r.id} · ${b.label} · ${duration(b.end - b.start)}`)));
    }
  });
  return h('div.timeline-wrap', chart);
}
