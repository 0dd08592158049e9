// Placeholder: the runs page.
import { h } from '../dom.js';

export function render(main) {
  main.append(h('h1', 'runs'), h('p', 'Coming soon.'));
}
