// The console's shell: a hash router that loads one page module per route.
// A page module exports `render(main, params)`; it may return a cleanup function (closing streams, timers),
// called when the user leaves the page.
import { showError, mount, h } from './dom.js';

const routes = [
  [/^#\/runs\/([^/]+)$/, 'run', (m) => ({ runId: decodeURIComponent(m[1]) })],
  [/^#\/runs\/?(?:\?(.*))?$/, 'runs', (m) => ({ query: new URLSearchParams(m[1] || '') })],
  [/^#\/workflows\/([^/]+)$/, 'workflow', (m) => ({ workflowId: decodeURIComponent(m[1]) })],
  [/^#\/workflows\/?$/, 'workflows', () => ({})],
  [/^#\/builder\/([^/]+)$/, 'builder', (m) => ({ workflowId: decodeURIComponent(m[1]) })],
  [/^#\/builder\/?(?:\?(.*))?$/, 'builder', (m) => ({ query: new URLSearchParams(m[1] || '') })],
  [/^#\/templates\/?$/, 'templates', () => ({})],
  [/^#\/secrets\/?$/, 'secrets', () => ({})],
];

let cleanup = null;
let navigation = 0;

async function route() {
  const hash = location.hash || '#/runs';
  const match = routes.map(([re, page, params]) => {
    const m = hash.match(re);
    return m && { page, params: params(m) };
  }).find(Boolean);
  const main = document.getElementById('main');
  if (cleanup) { try { cleanup(); } catch (e) { console.warn(e); } cleanup = null; }
  const current = ++navigation;
  if (!match) {
    mount(main, h('h1', 'Not found'), h('p', 'No such page. ', h('a', { href: '#/runs' }, 'Go to the runs.')));
    return;
  }
  for (const a of document.querySelectorAll('header nav a')) {
    const active = a.dataset.page === match.page || a.dataset.page + 's' === match.page || match.page + 's' === a.dataset.page;
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  mount(main, h('p.loading', 'Loading…'));
  try {
    const module = await import(`./pages/${match.page}.js`);
    if (current !== navigation) return; // the user moved on meanwhile
    main.replaceChildren();
    main.dataset.page = match.page;
    const result = await module.render(main, match.params);
    if (current !== navigation) { if (typeof result === 'function') result(); return; }
    cleanup = typeof result === 'function' ? result : null;
  } catch (e) {
    mount(main, h('h1', 'Something went wrong'));
    showError(e);
  }
}

/** Navigates to a console route, e.g. go('#/runs/abc'). */
export function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

window.addEventListener('hashchange', route);
route();
