// A form generated from a JSON Schema with @json-editor/json-editor (WebJar, global JSONEditor), as the builder uses
// it for step configs and trigger sections. The server stays the judge of what is valid (it names the field at
// fault, which `mark` then shows on the field); the schema only shapes the form.
import { h } from '../dom.js';

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The schema as the form shows it. `omit` names properties the form leaves out (those the canvas edits as
 * connections, e.g. a for_each's body); `{cases: ['next_step_id']}` leaves a property out of an array's items.
 * "Any JSON" properties (no type, or an object without declared properties, such as a webhook's body and headers)
 * become JSON text areas, listed in `jsonFields`. Top-level oneOf/anyOf/dependencies only say which properties go
 * together; the form would turn them into a confusing choice of sub-forms, so they are left to the server.
 */
export function formSchema(schema, omit = {}) {
  const s = clone(schema) || { type: 'object' };
  for (const key of ['$schema', 'examples', 'oneOf', 'anyOf', 'allOf', 'dependencies', 'title', 'description']) delete s[key];
  const jsonFields = [];
  const props = s.properties || {};
  for (const [name, rule] of Object.entries(omit)) {
    if (rule === true) {
      delete props[name];
      if (Array.isArray(s.required)) s.required = s.required.filter((r) => r !== name);
    } else if (props[name] && props[name].items && props[name].items.properties) {
      const items = props[name].items;
      for (const inner of rule) {
        delete items.properties[inner];
        if (Array.isArray(items.required)) items.required = items.required.filter((r) => r !== inner);
      }
    }
  }
  for (const [name, prop] of Object.entries(props)) {
    const anyJson = !prop.type && !prop.$ref && !prop.oneOf && !prop.anyOf && !prop.enum;
    const freeObject = prop.type === 'object' && !prop.properties;
    if (anyJson || freeObject) {
      jsonFields.push(name);
      props[name] = {
        type: 'string', format: 'textarea', title: name,
        description: [prop.description, 'JSON'].filter(Boolean).join(' — '),
        options: { input_height: '5em' },
      };
    } else if (!prop.title) {
      prop.title = name;
    }
  }
  s.type = s.type || 'object';
  s.options = { ...(s.options || {}), titleHidden: true }; // the panel names the step type already
  return { schema: s, jsonFields };
}

/**
 * Renders the form into `el`. `onChange(value)` gets the edited value (JSON fields parsed) whenever the user
 * changes it; a JSON field that does not parse is marked and holds the value back. Returns
 * `{mark(path, message), clearMarks(), focus(path), destroy()}`; `path` is a list of keys inside the value.
 * `onUnplaced(path, message)` hears of a mark that found no field. JSONEditor names its fields by `name` (the form's root): `data-schemapath="config.url"`.
 */
export function schemaForm(el, schema, value, onChange, { omit, name = 'config', onUnplaced } = {}) {
  const { schema: shown, jsonFields } = formSchema(schema, omit);
  const start = clone(value) || {};
  for (const f of jsonFields) if (start[f] !== undefined) start[f] = JSON.stringify(start[f], null, 2);
  const host = h('div.schema-form');
  el.append(host);
  const editor = new JSONEditor(host, {
    schema: shown,
    startval: start,
    theme: 'html',
    iconlib: null,
    disable_edit_json: true,
    disable_properties: true,
    disable_collapse: true,
    disable_array_reorder: true,
    disable_array_delete_all_rows: true,
    disable_array_delete_last_row: true,
    prompt_before_delete: false,
    show_opt_in: true, // optional settings are left out of the config until ticked
    no_additional_properties: true,
    show_errors: 'never', // the server's errors are shown instead, on the field it names
    form_name_root: name,
  });

  let baseline = null;
  let touched = false;
  let ready = false;
  const read = () => {
    const raw = editor.getValue() || {};
    const out = clone(raw);
    const bad = [];
    for (const f of jsonFields) {
      if (typeof out[f] !== 'string') continue;
      if (!out[f].trim()) { delete out[f]; continue; }
      try { out[f] = JSON.parse(out[f]); } catch (e) { bad.push([f, e.message]); }
    }
    return { out, bad };
  };
  const pending = []; // marks and focus asked for before JSONEditor built the form (it builds asynchronously)
  editor.on('ready', () => {
    ready = true;
    baseline = read().out;
    labelInputs();
    for (const run of pending.splice(0)) run();
  });
  editor.on('change', changed);
  function changed() {
    if (!ready) return;
    labelInputs();
    const { out, bad } = read();
    for (const f of jsonFields) clearMark([f], 'json');
    if (bad.length) {
      for (const [f, message] of bad) mark([f], `not valid JSON: ${message}`, 'json');
      return;
    }
    // JSONEditor reports its own first rendering as a change; only the user's edits count.
    if (!touched && same(out, baseline)) return;
    touched = true;
    onChange(out);
  }

  // JSONEditor's html theme labels fields, but its opt-in checkboxes have no accessible name: give them one.
  function labelInputs() {
    host.querySelectorAll('input.json-editor-opt-in').forEach((check) => {
      const box = check.closest('[data-schemapath]');
      if (box) check.setAttribute('aria-label', `Set ${box.dataset.schemapath.split('.').slice(1).join('.')}`);
    });
  }

  function container(path) {
    for (let n = path.length; n >= 0; n--) {
      const schemapath = [name, ...path.slice(0, n)].join('.');
      const found = host.querySelector(`[data-schemapath="${CSS.escape(schemapath)}"]`);
      if (found) return { box: found, exact: n === path.length };
    }
    return null;
  }

  function mark(path, message, kind = 'server') {
    if (!ready) {
      pending.push(() => { if (!mark(path, message, kind) && onUnplaced) onUnplaced(path, message); });
      return true;
    }
    const found = container(path);
    if (!found) return false;
    const sub = editor.getEditor([name, ...path].join('.'));
    // A field the user has not opted into cannot show the value it lacks: opt in so they can type it.
    if (sub && sub.optInCheckbox && !sub.isActive()) sub.activate();
    found.box.classList.add('invalid');
    found.box.append(h(`p.field-error.${kind}-error`, { role: 'alert' }, found.exact ? message : `${path.join('.')}: ${message}`));
    return true;
  }
  function clearMark(path, kind) {
    const found = container(path);
    if (!found) return;
    found.box.querySelectorAll(`:scope > .${kind}-error`).forEach((p) => p.remove());
    if (!found.box.querySelector(':scope > .field-error')) found.box.classList.remove('invalid');
  }

  return {
    mark,
    clearMarks() {
      host.querySelectorAll('.server-error').forEach((p) => p.remove());
      host.querySelectorAll('.invalid').forEach((b) => b.classList.remove('invalid'));
    },
    focus(path) {
      if (!ready) { pending.push(() => this.focus(path)); return; }
      const found = container(path);
      const input = found && found.box.querySelector('input:not([type=checkbox]), textarea, select');
      if (input) input.focus();
    },
    // JSONEditor takes a field's value on its change event and reports it a frame later: a field still focused,
    // or a change not yet reported, would be lost when the form goes (the user clicked another step).
    flush() {
      if (host.contains(document.activeElement)) document.activeElement.blur();
      changed();
    },
    destroy() { this.flush(); editor.destroy(); host.remove(); },
    editor,
  };
}
