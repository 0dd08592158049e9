// Small DOM helpers shared by the pages: element building, flash messages, formatting.
import { ApiError } from './api.js';

/** h('button.primary', {onclick}, 'Save') — tag with optional .classes and #id, attributes/properties, children. */
export function h(spec, attrs, ...children) {
  if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  const [, tag, rest] = spec.match(/^([a-z0-9-]+)?(.*)$/i);
  const el = document.createElement(tag || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.classList.add(...String(value).split(/\s+/).filter(Boolean));
    else if (name === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the content of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** SVG element (for sparklines, timelines). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined && value !== null) el.setAttribute(name, value);
  for (const child of children.flat(Infinity)) if (child) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

let flashTimer;
/** A short message at the top; errors stay until the next message. */
export function flash(message, kind = 'info') {
  const box = document.getElementById('flash');
  clearTimeout(flashTimer);
  mount(box, h(`div.flash.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, message,
    h('button.link.close', { type: 'button', 'aria-label': 'Dismiss', onclick: () => box.replaceChildren() }, '×')));
  if (kind !== 'error') flashTimer = setTimeout(() => box.replaceChildren(), 4000);
}

/** Shows a failed call as the server said it (problem+json title and detail). */
export function showError(error) {
  if (error instanceof ApiError) {
    const p = error.problem;
    flash([p.title, p.detail].filter(Boolean).join(': ') || error.message, 'error');
  } else {
    flash(String(error && error.message || error), 'error');
    console.warn(error);
  }
}

/** Runs an async action from a button: disables it meanwhile and shows a failure as the server's problem. */
export async function act(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export const STATUS_CLASSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'paused', 'skipped', 'waiting'];

/** A coloured status badge. */
export function badge(status) {
  return h(`span.badge.s-${status || 'unknown'}`, status || '—');
}

/** '2026-12-06T03:41:00Z' → local date/time. */
export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Milliseconds → '850 ms', '2.4 s', '3 min 5 s'. */
export function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60000);
  return m < 60 ? `${m} min ${Math.round((ms % 60000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function ago(iso) {
  if (!iso) return '—';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Pretty JSON in a <pre>, or '—'. */
export function json(value) {
  return h('pre.json', value === undefined ? '—' : JSON.stringify(value, null, 2));
}
