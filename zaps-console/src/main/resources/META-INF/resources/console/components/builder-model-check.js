// Checks of components/builder-model.js, run in the browser (the console has no Node to run them with):
// BuilderBrowserTest imports this module and asserts `check()` returns no failures. Each case says what the
// canvas ⇄ JSON conversion must keep.
import * as M from './builder-model.js';

const OUTPUTS = { switch: ['cases', 'default'], for_each: ['body', 'next'], parallel: ['branches', 'next'] };
// Equal as JSON values: object keys in any order (as the server compares), arrays in order.
const canonical = (v) => (Array.isArray(v) ? v.map(canonical)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

const ROUTE = {
  id: 'route_orders', name: 'Route orders', entry_point: 'only_paid', trigger: { type: 'schedule', cron: '0 9 * * *' },
  steps: [
    { id: 'only_paid', type: 'filter', config: { condition: '{{ paid }}' }, next_step_id: 'route' },
    { id: 'route', type: 'switch', config: { cases: [{ when: '{{ amount > 1000 }}', next_step_id: 'approvals' }, { when: '{{ vip }}', next_step_id: 'shop' }], default_next_step_id: 'shop' } },
    { id: 'approvals', type: 'webhook', config: { url: 'http://x/a', body: { order: '{{ order_id }}' } }, next_step_id: 'summary', retry: { max_attempts: 3 } },
    { id: 'shop', type: 'webhook', config: { url: 'http://x/s' }, next_step_id: 'summary', timeout_seconds: 5 },
    { id: 'summary', type: 'transform', config: { output: { total: '{{ steps.approvals.output.response.body.total }}' } } },
  ],
};
const LOOPS = {
  id: 'loops', name: 'Loops', entry_point: 'each',
  steps: [
    { id: 'each', type: 'for_each', config: { items: '{{ files }}', body: 'extract', concurrency: 2 }, next_step_id: 'both' },
    { id: 'extract', type: 'pdf_extract', config: { ref: '{{ item.ref }}', fields: ['Total'] }, next_step_id: 'note' },
    { id: 'note', type: 'transform', config: { output: { i: '{{ index }}' } } },
    { id: 'both', type: 'parallel', config: { branches: ['crm', 'erp'] }, next_step_id: 'wait' },
    { id: 'crm', type: 'webhook', config: { url: 'http://x/crm' } },
    { id: 'erp', type: 'webhook', config: { url: 'http://x/erp' } },
    { id: 'wait', type: 'wait_for_event', config: { key: 'k' } },
  ],
};

export function check() {
  const failures = [];
  const expect = (name, ok, detail) => { if (!ok) failures.push(`${name}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`); };

  for (const def of [ROUTE, LOOPS]) {
    const graph = M.toGraph(def);
    expect(`${def.id} round-trips`, same(M.toDefinition(graph), def), M.toDefinition(graph));
    expect(`${def.id} configs hold no connections`, !JSON.stringify(graph.nodes.map((n) => n.config)).match(/next_step_id|"body":"extract"|branches/));
  }

  const route = M.toGraph(ROUTE);
  expect('switch cases and default are edges', same(route.edges.filter((e) => e.from === 'route'),
    [{ from: 'route', port: 'case:0', to: 'approvals' }, { from: 'route', port: 'case:1', to: 'shop' }, { from: 'route', port: 'default', to: 'shop' }]));
  expect('switch ports: one per case and the default', same(M.ports(route.nodes[1], OUTPUTS.switch, route.edges).map((p) => p.port), ['case:0', 'case:1', 'default']));
  expect('the entry point the graph implies is not pinned', route.entry === null);

  const loops = M.toGraph(LOOPS);
  expect('parallel ports: the branches and one free', same(M.ports(loops.nodes[3], OUTPUTS.parallel, loops.edges).map((p) => p.port), ['branch:0', 'branch:1', 'branch:2', 'next']));
  expect('for_each body and next', same(M.ports(loops.nodes[0], OUTPUTS.for_each, loops.edges).map((p) => p.port), ['body', 'next']));

  // Building by connecting.
  let g = M.toGraph({ id: 'w', name: 'W', steps: [] });
  g = M.addNode(g, { id: 'a', type: 'delay', config: { seconds: 1 } });
  g = M.addNode(g, { id: 'b', type: 'webhook', config: { url: 'http://x' } });
  g = M.addNode(g, { id: 'c', type: 'webhook', config: { url: 'http://y' } });
  g = M.connect(g, 'a', 'next', 'b');
  g = M.connect(g, 'a', 'next', 'c'); // a port leads to one step
  const built = M.toDefinition(g);
  expect('connect replaces a port\'s target', built.steps[0].next_step_id === 'c', built.steps[0]);
  expect('entry: the step nothing leads to', built.entry_point === 'a', built.entry_point);
  expect('entry: a chosen one', M.toDefinition({ ...g, entry: 'b' }).entry_point === 'b');
  expect('disconnect', !('next_step_id' in M.toDefinition(M.disconnect(g, 'a', 'next')).steps[0]));
  expect('remove a node drops its edges', M.removeNode(g, 'c').edges.length === 0);
  expect('unique ids', M.uniqueId(g, 'a') === 'a_2' && M.uniqueId(g, 'delay') === 'delay');

  // Renaming moves connections and template references.
  const renamed = M.renameNode(route, 'approvals', 'approve');
  const rd = M.toDefinition(renamed);
  expect('rename: case target', rd.steps[1].config.cases[0].next_step_id === 'approve', rd.steps[1]);
  expect('rename: templates', rd.steps[4].config.output.total === '{{ steps.approve.output.response.body.total }}', rd.steps[4]);
  expect('rename refuses a taken id', typeof M.renameNode(route, 'approvals', 'shop') === 'string');
  expect('rename refuses a bad id', typeof M.renameNode(route, 'approvals', 'no spaces') === 'string');

  // Removing a switch case in the form moves the later cases' connections up.
  const cases = [{ when: '{{ vip }}' }];
  const updated = M.toDefinition(M.updateConfig(route, 'route', { cases }));
  expect('case removed: its connection goes, the next moves up', same(updated.steps[1].config.cases, [{ when: '{{ vip }}', next_step_id: 'shop' }]), updated.steps[1].config);

  // Variables: ancestors only, loops and branches.
  const scope = M.scopeOf(route, 'summary');
  expect('ancestors of summary', same(scope.ancestors, ['only_paid', 'route', 'approvals', 'shop']), scope);
  const inBody = M.scopeOf(loops, 'note');
  expect('a loop body sees item, not the loop step', inBody.loop && same(inBody.ancestors, ['extract']), inBody);
  const branch = M.scopeOf(loops, 'crm');
  expect('a branch sees the steps before the parallel step', branch.branch && same(branch.ancestors, ['each']), branch);
  const vars = M.variables(loops, 'both', { contextFields: ['files'] }).flatMap((group) => group.items.map((i) => i.expr));
  expect('resume URLs of the run\'s waits', vars.includes('run.resume_urls.wait') && vars.includes('files') && vars.includes('steps.each.output'), vars);

  // Problems point at nodes and fields.
  expect('locate a step field', same(M.locate('steps[1].config.cases[0].when', ['a', 'b']), { area: 'step', step: 'b', path: ['config', 'cases', '0', 'when'] }));
  expect('locate the entry point', M.locate('entry_point', []).area === 'entry');
  expect('locate the trigger', same(M.locate('trigger.cron', []), { area: 'trigger', path: ['cron'] }));

  // Templates.
  const tpl = { name: 'Notify <<team>>', steps: [{ id: 'a', type: 'webhook', config: { url: '<<url>>/x', body: { t: '<<team>>' } } }] };
  expect('placeholders', same(M.placeholders(tpl), ['team', 'url']));
  expect('fill placeholders', M.fillPlaceholders(tpl, { url: 'http://h' }).steps[0].config.url === 'http://h/x');
  expect('a whole number placeholder becomes a number', M.fillPlaceholders({ seconds: '<<s>>' }, { s: '30' }, { s: 'integer' }).seconds === 30);
  return failures;
}
