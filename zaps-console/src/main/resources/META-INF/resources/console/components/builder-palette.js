// The builder's palette: the step types of GET /api/step-types, grouped by category. A step is added by dragging
// its item onto the canvas, or with its button (click, Enter or Space) after the selected step.
//
// The drag uses pointer events and a ghost element rather than HTML5 drag-and-drop: Chrome driven by WebDriver
// (the browser tests) fires no dragstart/drop events for synthetic mouse input, and pointer events also work
// with touch and a pen.
import { h } from '../dom.js';

const GROUPS = [
  ['action', 'Actions', 'Do something with data or the outside world'],
  ['control', 'Wait', 'Hold the run until a time or an event'],
  ['flow', 'Flow', 'Decide where the run goes'],
];
const DRAG_THRESHOLD = 5; // px the pointer must move before a press becomes a drag

/**
 * Builds the palette. `onDrop(type, clientX, clientY)` is called when an item is dropped (returns whether it landed
 * on the canvas); `onAdd(type)` when its button is used.
 */
export function palette(types, { onDrop, onAdd }) {
  const known = new Set(GROUPS.map(([key]) => key));
  const groups = [...GROUPS, ...[...new Set(types.map((t) => t.category))].filter((c) => !known.has(c)).map((c) => [c, c, ''])];
  return h('nav.builder-palette', { 'aria-label': 'Step types' },
    h('h2', 'Steps'),
    h('p.muted.hint', 'Drag onto the canvas, or press to add after the selected step.'),
    groups.map(([key, title, hint]) => {
      const members = types.filter((t) => t.category === key);
      if (!members.length) return null;
      return h('section.palette-group', h('h3', { title: hint }, title),
        h('ul', members.map((type) => h('li', item(type, onDrop, onAdd)))));
    }));
}

function item(type, onDrop, onAdd) {
  let press = null; // {x, y, id} while the pointer is down
  let ghost = null;
  let dragged = false;

  const button = h('button.palette-item', {
    type: 'button',
    dataset: { type: type.type },
    title: type.description,
    'aria-label': `Add ${type.title} (${type.type})`,
  }, h('span.name', type.title), h('code.type', type.type), h('span.desc', type.description));

  const end = () => {
    if (ghost) ghost.remove();
    ghost = null;
    press = null;
    document.body.classList.remove('palette-dragging');
  };

  button.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    press = { x: e.clientX, y: e.clientY, id: e.pointerId };
    dragged = false;
    // Keep receiving the pointer's moves and its release wherever it goes.
    try { button.setPointerCapture(e.pointerId); } catch { /* not capturable: moves still reach us over the button */ }
  });
  button.addEventListener('pointermove', (e) => {
    if (!press || e.pointerId !== press.id) return;
    if (!ghost) {
      if (Math.hypot(e.clientX - press.x, e.clientY - press.y) < DRAG_THRESHOLD) return;
      dragged = true;
      ghost = h('div.palette-ghost', { 'aria-hidden': 'true' }, h('strong', type.title), h('code', type.type));
      document.body.append(ghost);
      document.body.classList.add('palette-dragging');
    }
    ghost.style.transform = `translate(${e.clientX + 8}px, ${e.clientY + 8}px)`;
    e.preventDefault();
  });
  button.addEventListener('pointerup', (e) => {
    if (!press || e.pointerId !== press.id) return;
    const wasDrag = Boolean(ghost);
    end();
    if (wasDrag) onDrop(type.type, e.clientX, e.clientY);
  });
  button.addEventListener('pointercancel', end);
  button.addEventListener('lostpointercapture', () => { if (ghost) end(); });
  // A click after a drag is the drag's release, not a request to add.
  button.addEventListener('click', () => {
    if (dragged) { dragged = false; return; }
    onAdd(type.type);
  });
  return button;
}
