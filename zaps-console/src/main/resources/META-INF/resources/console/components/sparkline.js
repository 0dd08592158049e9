// A workflow's last 24 hours in one small SVG: a bar per hour (completed stacked under failed) and the hour's
// p50 latency as a line over them. `buckets` is GET /api/workflows/summary's `sparkline`: 24 × {completed, failed, p50_ms}.
import { svg, duration } from '../dom.js';

export function sparkline(buckets, { width = 120, height = 28 } = {}) {
  const list = Array.isArray(buckets) ? buckets : [];
  const n = Math.max(list.length, 1);
  const step = width / n;
  const maxRuns = Math.max(1, ...list.map((b) => (b.completed || 0) + (b.failed || 0)));
  const p50s = list.map((b) => b.p50_ms).filter((v) => typeof v === 'number');
  const maxP50 = Math.max(1, ...p50s);
  const total = list.reduce((s, b) => s + (b.completed || 0) + (b.failed || 0), 0);
  const failed = list.reduce((s, b) => s + (b.failed || 0), 0);
  const label = `${total} runs in 24 h, ${failed} failed${p50s.length ? `, p50 up to ${duration(maxP50)}` : ''}`;
  const chart = svg('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label },
    svg('title', {}, label));
  list.forEach((b, i) => {
    const ok = b.completed || 0;
    const bad = b.failed || 0;
    const hOk = (ok / maxRuns) * (height - 2);
    const hBad = (bad / maxRuns) * (height - 2);
    const x = i * step + 0.5;
    const w = Math.max(1, step - 1);
    if (ok) chart.append(svg('rect', { x, y: height - hOk, width: w, height: hOk, class: 'sp-ok' }));
    if (bad) chart.append(svg('rect', { x, y: height - hOk - hBad, width: w, height: hBad, class: 'sp-bad' }));
  });
  // The latency line joins the hours that had runs.
  const points = list.map((b, i) => (typeof b.p50_ms === 'number'
    ? `${(i * step + step / 2).toFixed(1)},${(height - 2 - (b.p50_ms / maxP50) * (height - 6)).toFixed(1)}` : null)).filter(Boolean);
  if (points.length > 1) chart.append(svg('polyline', { points: points.join(' '), class: 'sp-p50' }));
  else if (points.length === 1) {
    const [x, y] = points[0].split(',');
    chart.append(svg('circle', { cx: x, cy: y, r: 2, class: 'sp-p50-dot' }));
  }
  return chart;
}
