// A line diff of two texts (jsdiff's Diff.diffLines, from WebJars), as added/removed/unchanged lines with +/- marks.
// Long unchanged stretches are folded to their first and last lines.
import { h } from '../dom.js';

const CONTEXT = 3;

export function diffView(before, after) {
  const parts = Diff.diffLines(before, after);
  const rows = [];
  let added = 0;
  let removed = 0;
  parts.forEach((part, p) => {
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (part.added || part.removed) {
      for (const line of lines) rows.push(h(`span.diff-line.${part.added ? 'add' : 'del'}`, (part.added ? '+ ' : '- ') + line));
      if (part.added) added += lines.length; else removed += lines.length;
      return;
    }
    const keepHead = p === 0 ? 0 : CONTEXT;
    const keepTail = p === parts.length - 1 ? 0 : CONTEXT;
    if (lines.length > keepHead + keepTail + 1) {
      lines.slice(0, keepHead).forEach((l) => rows.push(h('span.diff-line', '  ' + l)));
      rows.push(h('span.diff-line.fold', `  … ${lines.length - keepHead - keepTail} unchanged lines`));
      lines.slice(lines.length - keepTail).forEach((l) => rows.push(h('span.diff-line', '  ' + l)));
    } else {
      lines.forEach((l) => rows.push(h('span.diff-line', '  ' + l)));
    }
  });
  const summary = added || removed ? `${added} lines added, ${removed} removed` : 'No differences.';
  return h('div.diff', h('p.muted.diff-summary', summary), h('pre.diff-body', { tabindex: '0', 'aria-label': `Diff: ${summary}` }, rows));
}
