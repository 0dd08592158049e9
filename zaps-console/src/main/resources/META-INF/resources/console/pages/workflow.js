// Placeholder: the workflow page.
import { h } from '../dom.js';

export function render(main) {
  main.append(h('h1', 'workflow'), h('p', 'Coming soon.'));
}
