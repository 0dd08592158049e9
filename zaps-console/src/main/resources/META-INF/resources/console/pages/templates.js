// Placeholder: the templates page.
import { h } from '../dom.js';

export function render(main) {
  main.append(h('h1', 'templates'), h('p', 'Coming soon.'));
}
