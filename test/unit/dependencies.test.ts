// The dependency check of `npm run lint` (scripts/dependencies.ts) on small made-up workspaces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyProblems, importsOf, packageOf, type PackageSources, type WorkspaceFacts } from '../../scripts/dependencies.js';

const pkg = (dir: string, deps: string[], sources: string[], extra: Partial<PackageSources> = {}): PackageSources => ({
  dir,
  name: `@paytrace/${dir}`,
  dependencies: Object.fromEntries(deps.map((d) => [d, '1.0.0'])),
  devDependencies: {},
  sources: sources.map((text, i) => ({ path: `${dir}/src/f${i}.ts`, text })),
  devSources: [],
  ...extra,
});

const facts = (packages: PackageSources[], more: Partial<WorkspaceFacts> = {}): WorkspaceFacts => ({
  packages,
  rootDevDependencies: { yaml: '2.0.0' },
  peersOf: () => [],
  forbidden: {},
  ...more,
});

test('a specifier names its package; relative paths and builtins name none', () => {
  assert.equal(packageOf('@paytrace/lab/load'), '@paytrace/lab');
  assert.equal(packageOf('pg'), 'pg');
  assert.equal(packageOf('p-retry/sub'), 'p-retry');
  assert.equal(packageOf('./x.js'), undefined);
  assert.equal(packageOf('node:fs'), undefined);
  assert.equal(packageOf('fs'), undefined);
});

test('imports of every form are seen: static, type-only, dynamic, re-exports', () => {
  const text = "import a from 'a';\nimport type { B } from 'b/x';\nexport { c } from '@s/c';\nconst d = await import('d');\nimport './local.js';";
  assert.deepEqual([...importsOf(text)].sort(), ['@s/c', 'a', 'b', 'd']);
});

test('an import not declared, and a declaration not imported, are problems; a peer of a dependency is not', () => {
  const problems = dependencyProblems(
    facts([pkg('ui', ['fastify', 'unused', 'peer-of-fastify'], ["import f from 'fastify';\nimport pg from 'pg';"])], {
      peersOf: (name) => (name === 'fastify' ? ['peer-of-fastify'] : []),
    }),
  );
  assert.deepEqual(problems, [
    'ui/src/f0.ts: imports pg, which ui/package.json does not list in dependencies',
    'ui/package.json: lists unused, which no file of ui imports',
  ]);
});

test("tests may use the root's shared dev tools, but another workspace package must be declared", () => {
  const ui = pkg('ui', [], [], {
    devSources: [{ path: 'ui/test/a.test.ts', text: "import { parse } from 'yaml';\nimport { x } from '@paytrace/lab';" }],
  });
  const problems = dependencyProblems(facts([ui, pkg('lab', [], [])]));
  assert.deepEqual(problems, ['ui/test/a.test.ts: imports @paytrace/lab, which ui/package.json does not list in devDependencies']);
});

test('a forbidden package reached through dependencies, even two steps away, is a problem', () => {
  const ui = pkg('ui', ['@paytrace/faults'], ["import '@paytrace/faults';"]);
  const faults = pkg('faults', ['@paytrace/devstack'], ["import '@paytrace/devstack';"]);
  const devstack = pkg('devstack', [], []);
  const problems = dependencyProblems(facts([ui, faults, devstack], { forbidden: { ui: ['@paytrace/devstack'] } }));
  assert.deepEqual(problems, ['ui: reaches @paytrace/devstack through its dependencies, which the layout forbids']);
});
