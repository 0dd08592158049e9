// Placeholder: the secrets page.
import { h } from '../dom.js';

export function render(main) {
  main.append(h('h1', 'secrets'), h('p', 'Coming soon.'));
}
