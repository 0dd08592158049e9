// Placeholder: the workflows page.
import { h } from '../dom.js';

export function render(main) {
  main.append(h('h1', 'workflows'), h('p', 'Coming soon.'));
}
