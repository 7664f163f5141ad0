/**
 * Part of `npm run lint`: every package declares what it imports and nothing more, and the arrows
 * between packages point one way (a service, the UI and the trace analysis never reach the dev
 * stack or the lab). Prints each problem and exits 1, or prints nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dependencyProblems, type PackageSources } from './dependencies.js';

const ROOT = join(import.meta.dirname, '..');
const ORCHESTRATION = ['@paytrace/devstack', '@paytrace/lab'];

/** What a user runs in production, or reads without running anything, never reaches orchestration. */
const FORBIDDEN: Record<string, string[]> = {
  services: [...ORCHESTRATION, '@paytrace/ui'],
  auth: [...ORCHESTRATION, '@paytrace/ui'],
  balance: [...ORCHESTRATION, '@paytrace/ui'],
  payments: [...ORCHESTRATION, '@paytrace/ui'],
  gateway: [...ORCHESTRATION, '@paytrace/ui'],
  faults: [...ORCHESTRATION, '@paytrace/ui'],
  'trace-analysis': [...ORCHESTRATION, '@paytrace/ui', '@paytrace/metrics-analysis'],
  'metrics-analysis': [...ORCHESTRATION, '@paytrace/ui', '@paytrace/trace-analysis'],
  ui: ORCHESTRATION,
  devstack: ['@paytrace/lab', '@paytrace/ui'],
};

/** Files that ship, where a package's layout differs from src/ (k6's payments.js runs in k6, not Node). */
const SOURCES: Record<string, string[]> = { loadtest: ['traffic-mix.js'] };

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const isCode = (f: string) => /\.(ts|tsx|js|mjs)$/.test(f) && !f.endsWith('.d.ts');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' || e.name === 'dist' ? [] : e.isDirectory() ? filesUnder(join(dir, e.name)) : isCode(e.name) ? [join(dir, e.name)] : [],
  );
}

const read = (files: string[]) => files.map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));

function packageSources(dir: string): PackageSources {
  const manifest = readJson(join(ROOT, dir, 'package.json'));
  const at = (...parts: string[]) => join(ROOT, dir, ...parts);
  const sources = dir === '.' ? [] : (SOURCES[dir] ?? ['src']).flatMap((p) => filesUnder(at(p)));
  const devSources = dir === '.' ? ['scripts', 'test', 'eslint.config.js'].flatMap((p) => filesUnder(at(p))) : filesUnder(at('test'));
  return {
    dir,
    name: manifest.name,
    dependencies: manifest.dependencies ?? {},
    devDependencies: manifest.devDependencies ?? {},
    sources: read(sources),
    devSources: read(devSources),
  };
}

const root = readJson(join(ROOT, 'package.json'));
const problems = dependencyProblems({
  packages: ['.', ...(root.workspaces as string[])].map(packageSources),
  rootDevDependencies: root.devDependencies ?? {},
  peersOf: (name) => {
    const manifest = join(ROOT, 'node_modules', name, 'package.json');
    return existsSync(manifest) ? Object.keys(readJson(manifest).peerDependencies ?? {}) : [];
  },
  forbidden: Object.fromEntries(Object.entries(FORBIDDEN)),
});
for (const problem of problems) console.error(problem);
process.exit(problems.length > 0 ? 1 : 0);
