// The workflow builder (#/builder, #/builder/<id>, #/builder?template=<name>): a canvas of steps (Drawflow), a
// palette of step types, the selected step's form and the variables it may use, the trigger, a JSON view, saving
// with the server's problems shown on the node and field they name, and a test run watched live on the canvas.
//
// The builder graph (components/builder-model.js) is the one state; the canvas, the step list, the forms and the
// JSON view are views of it. Node positions are the browser's own (local storage by workflow id): the workflow
// JSON has none.
import { h, mount, flash, showError, act, badge } from '../dom.js';
import { get, post, put, seg, ApiError } from '../api.js';
import * as M from '../components/builder-model.js';
import { createCanvas, NODE_SIZE, initialPositions, readPositions, writePositions } from '../components/builder-canvas.js';
import { palette } from '../components/builder-palette.js';
import { stepForm } from '../components/builder-step.js';
import { triggerPanel, triggerContextFields } from '../components/builder-trigger.js';
import { variablesPanel } from '../components/builder-vars.js';
import { testRunPanel } from '../components/builder-run.js';
import { jsonView } from '../components/builder-json.js';
import { loadTemplate, placeholderPanel } from '../components/builder-template.js';

const POSITIONS = 'zaps.builder.positions.'; // + workflow id (or 'new'): node positions in local storage

export async function render(main, params) {
  const [typeList, triggerTypes] = await Promise.all([get('api/step-types'), get('api/trigger-types')]);
  const types = Object.fromEntries(typeList.map((t) => [t.type, t]));

  // What to edit: a saved workflow, a template, or nothing yet.
  let definition = { name: '', steps: [] };
  let version = null; // the saved version this edit started from (If-Match), null for a new workflow
  let placeholderInfo = {}; // template placeholders by key: {label, default, description, type}
  const template = params.query && params.query.get('template');
  if (params.workflowId) {
    definition = await get(`api/workflows/${seg(params.workflowId)}`);
    version = definition.version;
  } else if (template) {
    const loaded = await loadTemplate(template);
    if (loaded.problem) {
      mount(main, h('h1', 'Builder'), h('div.panel', h('p.error', { role: 'alert' }, loaded.problem),
        h('p', h('a', { href: '#/templates' }, 'Back to the templates'), ' · ', h('a', { href: '#/builder' }, 'Start from nothing'))));
      return undefined;
    }
    definition = loaded.definition;
    placeholderInfo = loaded.placeholders || {};
  }

  let graph = M.toGraph(definition);
  let selected = null;
  let problems = []; // [{loc, field, message}] from the last save
  let drawn = null; // signature of what the canvas shows
  let lastField = null; // the form field last focused, for inserting variables
  let contextFields = [];
  let sideForm = null; // the side panel's form (step or trigger)
  let savedJson = version === null ? null : JSON.stringify(M.toDefinition(graph)); // what the server has, to skip saving it again
  const key = () => POSITIONS + (version === null ? 'new' : graph.meta.id);
  let positions = initialPositions(graph, readPositions(key()));

  // ---------------------------------------------------------------- layout
  const idInput = h('input#wf-id', { value: graph.meta.id || '', autocomplete: 'off', spellcheck: false, readOnly: version !== null });
  const nameInput = h('input#wf-name', { value: graph.meta.name || '', autocomplete: 'off' });
  idInput.addEventListener('input', () => { graph.meta = { ...graph.meta, id: idInput.value.trim() || undefined }; });
  nameInput.addEventListener('input', () => { graph.meta = { ...graph.meta, name: nameInput.value }; });
  const versionLabel = h('span.muted.version');
  const saveButton = h('button.primary#save', { type: 'button' }, 'Save');
  const problemBox = h('div.builder-problems', { 'aria-live': 'assertive' });
  const placeholderBox = h('div.placeholders');
  const canvasBox = h('div.builder-canvas.graph#builder-canvas', { role: 'region', 'aria-label': 'Workflow canvas: drag steps to move them, drag from an output port to another step to connect' });
  const stepList = h('ol.step-list', { 'aria-label': 'Steps' });
  const side = h('aside.builder-side', { 'aria-label': 'Selected step' });
  const runBox = h('div.builder-run');
  const canvasTab = h('button.tab', { type: 'button', role: 'tab', id: 'tab-canvas', 'aria-selected': 'true', 'aria-controls': 'pane-canvas' }, 'Canvas');
  const jsonTab = h('button.tab', { type: 'button', role: 'tab', id: 'tab-json', 'aria-selected': 'false', 'aria-controls': 'pane-json' }, 'JSON');
  const deleteButton = h('button#delete-selected', { type: 'button', title: 'Delete the selected step or connection (Delete key on the canvas)' }, 'Delete selected');
  const runChip = h('span.run-chip', { 'aria-live': 'polite' });
  const canvasTools = h('div.canvas-tools', runChip, deleteButton,
    h('button', { type: 'button', onclick: arrange, title: 'Lay the steps out again' }, 'Arrange'),
    h('button', { type: 'button', 'aria-label': 'Zoom out', onclick: () => canvas.zoom(-1) }, '−'),
    h('button', { type: 'button', 'aria-label': 'Zoom in', onclick: () => canvas.zoom(1) }, '+'));
  const canvasPane = h('div#pane-canvas', { role: 'tabpanel', 'aria-labelledby': 'tab-canvas' },
    canvasBox,
    h('h2.visually-hidden', 'Steps'), stepList);
  const jsonPane = h('div#pane-json', { role: 'tabpanel', 'aria-labelledby': 'tab-json', hidden: true });

  mount(main,
    h('div.builder-head',
      h('h1', version === null ? 'New workflow' : `Edit ${graph.meta.name || graph.meta.id}`),
      h('div.field', h('label', { for: 'wf-id' }, 'Workflow id'), idInput),
      h('div.field.grow', h('label', { for: 'wf-name' }, 'Name'), nameInput),
      h('div.actions', saveButton, versionLabel,
        version !== null ? h('a', { href: `#/workflows/${encodeURIComponent(graph.meta.id)}` }, 'Workflow page') : null)),
    placeholderBox,
    problemBox,
    h('div.builder-layout',
      palette(typeList, { onDrop: dropStep, onAdd: addStepBelow }),
      h('div.builder-center', h('div.canvas-bar', h('div.tabs', { role: 'tablist', 'aria-label': 'View' }, canvasTab, jsonTab), canvasTools), canvasPane, jsonPane),
      side),
    runBox);
  main.classList.add('builder-page');

  const canvas = createCanvas(canvasBox, types, {
    onSelect: (id) => { selected = id; showSide(); renderList(); },
    onConnect: (from, port, to) => changeFromCanvas(M.connect(graph, from, port, to)),
    onDisconnect: (from, port) => changeFromCanvas(M.disconnect(graph, from, port)),
    onRemove: (id) => { delete positions[id]; if (selected === id) selected = null; changeFromCanvas(M.removeNode(graph, id)); showSide(); },
    onMove: (id, at) => { positions[id] = at; writePositions(key(), positions); },
    onConnectionSelect: (on) => { deleteButton.disabled = !on && !selected; },
  });
  const json = jsonView(jsonPane, {
    definition: () => M.toDefinition(graph),
    apply: (def) => {
      graph = M.toGraph(def);
      positions = initialPositions(graph, positions);
      if (selected && !graph.nodes.some((n) => n.id === selected)) selected = null;
      nameInput.value = graph.meta.name || '';
      if (version === null) idInput.value = graph.meta.id || '';
      showTab('canvas');
      sync(true);
      canvas.fit();
      showSide();
      canvasTab.focus();
    },
  });
  const testRun = testRunPanel(runBox, {
    storageKey: () => `zaps.builder.sample.${graph.meta.id || 'new'}`,
    save: saveIfChanged,
    onStatuses: (statuses) => canvas.setStatuses(statuses),
    onRun: (runId, status) => {
      // The canvas is where the run shows: bring it into view when the run starts, its status beside the tabs.
      if (!runChip.dataset.run || runChip.dataset.run !== runId) canvasBox.scrollIntoView({ block: 'nearest' });
      runChip.dataset.run = runId;
      mount(runChip, 'Test run ', h('a', { href: `#/runs/${encodeURIComponent(runId)}` }, runId.slice(0, 8)), ' ', badge(status));
    },
    onSample: (fields) => { contextFields = fields; if (selected) showSide(); },
  });
  contextFields = testRun.sampleFields();

  canvasTab.addEventListener('click', () => showTab('canvas'));
  jsonTab.addEventListener('click', () => showTab('json'));
  saveButton.addEventListener('click', () => act(saveButton, save));
  deleteButton.addEventListener('click', () => {
    if (canvas.removeSelectedConnection()) return;
    if (selected) removeStep(selected);
  });
  side.addEventListener('focusin', (e) => {
    if (e.target.matches('input:not([type=checkbox]):not([type=number]), textarea')) lastField = e.target;
  });

  sync(true);
  canvas.fit();
  showSide();
  showPlaceholders();
  updateVersion();

  // ---------------------------------------------------------------- graph changes
  function signature(g) {
    return JSON.stringify([g.nodes.map((n) => [n.id, n.type, M.ports(n, (types[n.type] || {}).outputs, g.edges).map((p) => p.port)]),
      [...g.edges].map((e) => `${e.from}/${e.port}/${e.to}`).sort()]);
  }

  /** Brings the canvas, the step list and the entry marker up to date with the graph. */
  function sync(force) {
    const now = signature(graph);
    if (force || now !== drawn) {
      canvas.render(graph, positions);
      canvas.select(selected);
      canvas.setProblems(problemSteps());
      drawn = now;
    }
    canvas.setEntry(M.entryOf(graph));
    renderList();
  }

  /** A change the user made on the canvas, which Drawflow already shows (unless the ports changed). */
  function changeFromCanvas(next) {
    const portsBefore = signature(graph).split('],[')[0];
    graph = next;
    if (signature(graph).split('],[')[0] === portsBefore) drawn = signature(graph);
    // Redraw (if needed) after Drawflow finished handling its event.
    setTimeout(() => { sync(); if (selected) showSide(); }, 0);
  }

  function renderList() {
    const entry = M.entryOf(graph);
    mount(stepList, graph.nodes.map((n) => h('li', h('button.step-item', {
      type: 'button',
      dataset: { step: n.id },
      'aria-pressed': String(n.id === selected),
      class: problemSteps().includes(n.id) ? 'has-problem' : '',
      onclick: () => selectStep(n.id),
      onkeydown: (e) => { if (e.key === 'Delete') { e.preventDefault(); removeStep(n.id); } },
    }, n.id === entry ? '▶ ' : '', h('strong', n.id), ' ', h('span.muted', (types[n.type] || {}).title || n.type)))));
  }

  function selectStep(id) {
    selected = id;
    canvas.select(id);
    showSide();
    renderList();
  }

  function removeStep(id) {
    graph = M.removeNode(graph, id);
    delete positions[id];
    if (selected === id) selected = null;
    sync();
    showSide();
  }

  function addStep(type, at, after) {
    const id = M.uniqueId(graph, type);
    graph = M.addNode(graph, { id, type, config: {}, extra: {} });
    positions[id] = at;
    writePositions(key(), positions);
    if (after) {
      const node = graph.nodes.find((n) => n.id === after);
      const free = M.ports(node, (types[node.type] || {}).outputs, graph.edges).find((p) => p.port === 'next' && !graph.edges.some((e) => e.from === after && e.port === 'next'));
      if (free) graph = M.connect(graph, after, 'next', id);
    }
    selected = id;
    sync();
    showSide();
    return id;
  }

  function dropStep(type, clientX, clientY) {
    if (!canvas.contains(clientX, clientY)) return false;
    const p = canvas.toCanvas(clientX, clientY);
    addStep(type, { x: Math.round(p.x - NODE_SIZE.width / 2), y: Math.round(p.y - NODE_SIZE.height / 2) });
    return true;
  }

  // Keyboard (and click): the new step goes after the selected one (to its right, as the canvas flows left to
  // right, below any step already there) and follows it when its next port is free.
  function addStepBelow(type) {
    const base = selected && canvas.positionOf(selected);
    const lowest = Object.values(positions).reduce((m, p) => Math.max(m, p.y), -Infinity);
    const at = base ? { x: base.x + NODE_SIZE.width + 70, y: base.y } : { x: 40, y: Number.isFinite(lowest) ? lowest + NODE_SIZE.height + 50 : 40 };
    const taken = (p) => Object.values(positions).some((q) => Math.abs(q.x - p.x) < NODE_SIZE.width && Math.abs(q.y - p.y) < NODE_SIZE.height + 20);
    while (taken(at)) at.y += NODE_SIZE.height + 30;
    showTab('canvas');
    addStep(type, at, selected);
    const input = side.querySelector('#step-id');
    if (input) input.focus();
  }

  function arrange() {
    positions = initialPositions(graph, {});
    writePositions(key(), positions);
    sync(true);
    canvas.fit();
  }

  // ---------------------------------------------------------------- side panel
  function showSide() {
    if (sideForm) sideForm.destroy();
    sideForm = null;
    side.replaceChildren();
    // The form scrolls on its own above the variables, so that neither covers the other.
    const body = h('div.side-main');
    side.append(body);
    lastField = null;
    const node = selected && graph.nodes.find((n) => n.id === selected);
    deleteButton.disabled = !node && !canvas.hasSelectedConnection();
    if (!node) {
      side.setAttribute('aria-label', 'Workflow settings');
      body.append(h('p.muted.side-hint', 'Select a step on the canvas or in the list to edit it.'));
      const panel = triggerPanel(body, {
        triggerTypes,
        trigger: graph.meta.trigger,
        stepIds: graph.nodes.map((n) => n.id),
        entry: graph.entry,
        autoEntry: M.entryOf({ ...graph, entry: null }),
        onTrigger: (section) => { graph.meta = { ...graph.meta, trigger: section }; },
        onEntry: (id) => { graph = { ...graph, entry: id }; sync(); },
      });
      for (const p of problems) if (p.loc.area === 'trigger' || p.loc.area === 'entry') panel.mark(p.loc.area, p.loc.path, p.message);
      sideForm = panel;
      return;
    }
    side.setAttribute('aria-label', `Step ${node.id}`);
    body.append(h('div.actions', h('button.link', { type: 'button', onclick: () => { selected = null; canvas.select(null); showSide(); renderList(); } }, '← Trigger and entry point')));
    const form = stepForm(body, node, {
      graph,
      type: types[node.type],
      onConfig: (config) => {
        const before = signature(graph);
        graph = M.updateConfig(graph, node.id, config);
        if (signature(graph) !== before) { sync(); setTimeout(showSide, 0); }
      },
      onRename: (to) => {
        const next = M.renameNode(graph, node.id, to);
        if (typeof next === 'string') return next;
        graph = next;
        positions[to] = positions[node.id];
        delete positions[node.id];
        writePositions(key(), positions);
        problems = problems.map((p) => (p.loc.step === node.id ? { ...p, loc: { ...p.loc, step: to } } : p));
        canvas.rename(node.id, to);
        drawn = signature(graph);
        sync();
        // Renamed on leaving the field for another step: that step stays selected.
        if (selected === node.id) {
          selected = to;
          setTimeout(() => { showSide(); const input = side.querySelector('#step-id'); if (input) input.focus(); }, 0);
        } else {
          renderList();
        }
        return null;
      },
      onExtra: (extra) => { graph = { ...graph, nodes: graph.nodes.map((n) => (n.id === node.id ? { ...n, extra } : n)) }; },
      onPort: (port, to) => { graph = to ? M.connect(graph, node.id, port, to) : M.disconnect(graph, node.id, port); sync(); setTimeout(showSide, 0); },
      onDelete: () => removeStep(node.id),
    });
    for (const p of problems) if (p.loc.area === 'step' && p.loc.step === node.id) form.mark(p.loc.path, p.message);
    const trigger = triggerTypes.find((t) => t.type === ((graph.meta.trigger && graph.meta.trigger.type) || 'manual'));
    const fields = [...new Set([...contextFields, ...triggerContextFields(trigger)])];
    variablesPanel(side, M.variables(graph, node.id, { contextFields: fields, types }), () => lastField);
    sideForm = form;
  }

  function showTab(which) {
    const isJson = which === 'json';
    canvasTab.setAttribute('aria-selected', String(!isJson));
    jsonTab.setAttribute('aria-selected', String(isJson));
    canvasPane.hidden = isJson;
    canvasTools.hidden = isJson;
    jsonPane.hidden = !isJson;
    if (isJson) json.refresh();
  }

  // ---------------------------------------------------------------- placeholders (templates)
  function showPlaceholders() {
    placeholderPanel(placeholderBox, M.placeholders(M.toDefinition(graph)), placeholderInfo, (values, types) => {
      graph = { ...graph, meta: M.fillPlaceholders(graph.meta, values, types), nodes: M.fillPlaceholders(graph.nodes, values, types) };
      nameInput.value = graph.meta.name || '';
      idInput.value = graph.meta.id || '';
      sync(true);
      showSide();
      showPlaceholders();
    });
  }

  // ---------------------------------------------------------------- saving
  function problemSteps() {
    return problems.filter((p) => p.loc.area === 'step').map((p) => p.loc.step);
  }

  function showProblems(list, stepIds) {
    problems = list.map((v) => ({ field: v.field, message: v.message, loc: M.locate(v.field, stepIds) }));
    canvas.setProblems(problemSteps());
    renderList();
    idInput.classList.toggle('invalid', problems.some((p) => p.loc.area === 'workflow' && p.loc.path[0] === 'id'));
    nameInput.classList.toggle('invalid', problems.some((p) => p.loc.area === 'workflow' && p.loc.path[0] === 'name'));
    mount(problemBox, problems.length ? h('div.panel.problem-list', { role: 'alert' },
      h('h2', problems.length === 1 ? 'The server refused the workflow' : `The server refused the workflow: ${problems.length} problems`),
      h('ul', problems.map((p) => h('li', h('button.link', { type: 'button', onclick: () => goTo(p) }, h('code', p.field || 'workflow')), ` ${p.message}`)))) : null);
    const first = problems.find((p) => p.loc.area === 'step') || problems[0];
    if (first) goTo(first, false);
  }

  function goTo(problem, focus = true) {
    const loc = problem.loc;
    if (loc.area === 'step') selected = loc.step;
    else if (loc.area === 'trigger' || loc.area === 'entry') selected = null;
    canvas.select(selected);
    showSide();
    renderList();
    if (!focus) return;
    if (loc.area === 'step' && sideForm && sideForm.focus) sideForm.focus(loc.path);
    if (loc.area === 'workflow') (loc.path[0] === 'name' ? nameInput : idInput).focus();
  }

  async function save() {
    if (sideForm) sideForm.flush();
    problems = [];
    problemBox.replaceChildren();
    canvas.setProblems([]);
    const left = M.placeholders(M.toDefinition(graph));
    if (left.length) {
      flash(`Fill in the template's placeholders first: ${left.map((n) => `<<${n}>>`).join(', ')}`, 'error');
      return null;
    }
    const def = M.toDefinition(graph);
    const stepIds = def.steps.map((s) => s.id);
    try {
      const stored = version === null
        ? await post('api/workflows', def)
        : await put(`api/workflows/${seg(graph.meta.id)}`, def, { headers: { 'If-Match': `"${version}"` } });
      const wasNew = version === null;
      savedJson = JSON.stringify(def);
      version = stored.version;
      graph.meta = M.toGraph(stored).meta;
      if (wasNew) {
        localStorage.removeItem(POSITIONS + 'new');
        idInput.readOnly = true;
        history.replaceState(null, '', `#/builder/${encodeURIComponent(stored.id)}`);
        main.querySelector('.builder-head h1').textContent = `Edit ${stored.name || stored.id}`;
      }
      writePositions(key(), positions);
      showSide();
      renderList();
      updateVersion();
      flash(`Saved ${stored.id}, version ${stored.version}`, 'success');
      return stored;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 412) {
        conflict(e, def);
        return null;
      }
      const errors = Array.isArray(e.problem.errors) && e.problem.errors.length ? e.problem.errors
        : e.status === 409 ? [{ field: 'id', message: e.problem.detail || 'a workflow with this id exists' }]
          : e.field ? [{ field: e.field, message: e.problem.detail || e.message }] : [];
      // The problem list (an alert) names each field and the form marks it; other failures go to the flash.
      if (errors.length) showProblems(errors, stepIds); else showError(e);
      return null;
    }
  }

  // A test run of what the server already has needs no new version.
  async function saveIfChanged() {
    if (sideForm) sideForm.flush();
    if (version !== null && JSON.stringify(M.toDefinition(graph)) === savedJson) return { id: graph.meta.id, version };
    return save();
  }

  // 412: someone saved a newer version since this edit began. Say so and let the user choose.
  function conflict(e, def) {
    const current = e.problem.current_version;
    mount(problemBox, h('div.panel.problem-list.conflict', { role: 'alert' },
      h('h2', 'Someone else saved this workflow meanwhile'),
      h('p', `You were editing version ${version}; the current version is ${current ?? 'newer'}. `
        + 'Saving would overwrite their change. Load theirs (your changes here are lost), or save yours over it.'),
      h('div.actions',
        h('button', { type: 'button', onclick: () => { location.reload(); } }, `Load version ${current ?? 'current'}`),
        h('button.danger', { type: 'button', onclick: (ev) => act(ev.currentTarget, async () => {
          version = current;
          const stored = await save();
          if (stored) problemBox.replaceChildren();
        }) }, 'Save mine over it'),
        h('a', { href: `#/workflows/${encodeURIComponent(def.id)}` }, 'Compare versions'))));
    flash(`Conflict: version ${current} was saved meanwhile`, 'error');
  }

  function updateVersion() {
    versionLabel.textContent = version === null ? 'not saved yet' : `version ${version}`;
  }

  return () => { testRun.stop(); canvas.destroy(); main.classList.remove('builder-page'); };
}
