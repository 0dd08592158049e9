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

/**
 * The workflow with every <<key>> replaced by values[key]. A string that is exactly one marker of a placeholder
 * typed integer/number becomes that number (ports, seconds), so the workflow's JSON types stay right.
 */
export function fillTemplate(definition, values, placeholders = []) {
  const types = Object.fromEntries(placeholders.map((p) => [p.key, p.type]));
  const fill = (value) => {
    if (typeof value === 'string') {
      const whole = value.match(/^<<([a-z0-9_]+)>>$/i);
      if (whole && (types[whole[1]] === 'integer' || types[whole[1]] === 'number') && values[whole[1]] !== undefined) {
        const n = Number(values[whole[1]]);
        return Number.isFinite(n) && String(values[whole[1]]).trim() !== '' ? n : String(values[whole[1]]);
      }
      return value.replace(/<<([a-z0-9_]+)>>/gi, (m, key) => (values[key] !== undefined ? String(values[key]) : m));
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  return fill(definition);
}
