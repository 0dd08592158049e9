// Placeholder: the builder page.
import { h } from '../dom.js';

export function render(main) {
  main.append(h('h1', 'builder'), h('p', 'Coming soon.'));
}
