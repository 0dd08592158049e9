// The console's only way to the server: the public REST API under /api.
// Sends the API key (kept in local storage) when one is set; on 401 asks for a key once and retries.
// Every failure becomes an ApiError carrying the server's problem+json (title, detail, errors naming fields).

const KEY = 'zaps.apiKey';

/** A failed API call: `problem` is the server's problem+json body (or a synthetic one for network errors). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  /** The field a problem names, if any (`field` or the first of `errors[].field`). */
  get field() {
    const p = this.problem;
    if (p.field) return p.field;
    if (Array.isArray(p.errors) && p.errors.length) return p.errors[0].field || p.errors[0].pointer;
    return undefined;
  }
}

export function apiKey() { return localStorage.getItem(KEY); }
export function setApiKey(key) { key ? localStorage.setItem(KEY, key) : localStorage.removeItem(KEY); }

let keyPrompt = null; // one prompt at a time, shared by all waiting calls

/** Shows the key dialog and resolves once a key was entered. */
export function askForKey(message) {
  if (keyPrompt) return keyPrompt;
  const dialog = document.getElementById('key-dialog');
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  const error = document.getElementById('key-error');
  error.hidden = !message;
  error.textContent = message || '';
  input.value = '';
  keyPrompt = new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      setApiKey(key);
      dialog.close();
      keyPrompt = null;
      resolve(key);
    };
  });
  if (!dialog.open) dialog.showModal();
  input.focus();
  return keyPrompt;
}

/**
 * Calls the API. `body` (an object) is sent as JSON. Returns the parsed JSON (or null for an empty body);
 * `opts.raw` returns the Response instead, `opts.headers` adds headers (e.g. If-Match).
 */
export async function api(method, path, body, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json, application/problem+json', ...(opts.headers || {}) };
    const key = apiKey();
    if (key) headers['X-API-Key'] = key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, { title: 'Network error', detail: `cannot reach the Zaps gateway: ${e.message}` });
    }
    if (response.status === 401 && attempt < 3) {
      await askForKey(key ? 'That key was refused. Enter a valid API key.' : null);
      continue;
    }
    if (!response.ok) {
      let problem;
      try { problem = await response.json(); } catch { problem = { title: response.statusText || `HTTP ${response.status}` }; }
      throw new ApiError(response.status, problem);
    }
    if (opts.raw) return response;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts);
export const put = (path, body, opts) => api('PUT', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

/**
 * Opens the server-sent events stream of run summaries. The browser's EventSource cannot set headers, so the key
 * goes as `api_key` (accepted on this endpoint only). Returns the EventSource; `onRun(summary)` per event.
 */
export function runStream(params, onRun) {
  const query = new URLSearchParams(params || {});
  const key = apiKey();
  if (key) query.set('api_key', key);
  const source = new EventSource(`api/runs/stream?${query}`);
  source.addEventListener('run', (event) => onRun(JSON.parse(event.data)));
  return source;
}

/** Encodes one path segment (ids are checked by the server; this only keeps the URL well-formed). */
export const seg = (value) => encodeURIComponent(value);
