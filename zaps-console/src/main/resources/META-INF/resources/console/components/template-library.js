// The template library: console/templates/index.json lists the templates ({name, title, description, tags,
// placeholders: [{key, label, default, description, type?}]}), console/templates/<name>.json is each workflow with
// <<key>> markers. <<…>> never clashes with the run-time {{ … }} templates, which stay as they are.
// Used by the Templates page and by the builder (#/builder?template=<name>). Static files: no API needed.

const BASE = new URL('../templates/', import.meta.url);

let index = null;
/** The list of templates (index.json), read once. */
export async function templateIndex() {
  if (!index) {
    index = fetch(new URL('index.json', BASE)).then((r) => {
      if (!r.ok) throw new Error(`cannot read the template list (HTTP ${r.status})`);
      return r.json();
    });
  }
  return index;
}

/** One template's workflow, its markers still in place. */
export async function loadTemplate(name) {
  if (!/^[a-z0-9_-]+$/i.test(name)) throw new Error(`no template '${name}'`);
  const r = await fetch(new URL(`${name}.json`, BASE));
  if (!r.ok) throw new Error(`no template '${name}' (HTTP ${r.status})`);
  return r.json();
}

/** The placeholders' defaults as {key: value}. */
export function defaults(entry) {
  return Object.fromEntries((entry.placeholders || []).map((p) => [p.key, p.default ?? '']));
}

const PLACEHOLDER = /<<([A-Za-z0-9_. -]{1,64})>>/g;

/** The names of the `<<name>>` placeholders in `value`, each once, in order. */
export function placeholders(value) {
  const names = [];
  for (const m of JSON.stringify(value === undefined ? null : value).matchAll(PLACEHOLDER)) if (!names.includes(m[1])) names.push(m[1]);
  return names;
}

/**
 * Replaces `<<name>>` in every string (keys too) of `value` by `values[name]`; names without a value stay as they are.
 * A string that is exactly one placeholder whose `types[name]` is `integer` or `number` becomes that number
 * (seconds, ports), so the workflow's JSON types stay right.
 */
export function fillPlaceholders(value, values, types = {}) {
  const has = (name) => values[name] !== undefined;
  if (typeof value === 'string') {
    const whole = value.match(/^<<([A-Za-z0-9_. -]{1,64})>>$/);
    if (whole && has(whole[1]) && (types[whole[1]] === 'integer' || types[whole[1]] === 'number')) {
      const n = Number(values[whole[1]]);
      if (Number.isFinite(n) && String(values[whole[1]]).trim() !== '') return n;
    }
    return value.replace(PLACEHOLDER, (all, name) => (has(name) ? String(values[name]) : all));
  }
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, values, types));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fillPlaceholders(k, values, types), fillPlaceholders(v, values, types)]));
  }
  return value;
}

/** The workflow with every <<key>> replaced by values[key], typed by the template's placeholder list. */
export function fillTemplate(definition, values, placeholderList = []) {
  return fillPlaceholders(definition, values, Object.fromEntries(placeholderList.map((p) => [p.key, p.type])));
}
