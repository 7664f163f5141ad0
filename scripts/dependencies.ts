/**
 * What each package of the workspace imports, held against what its package.json declares, and the
 * arrows between packages held against the layout (docs/dev-stack.md): pure functions over file
 * texts, used by `scripts/check-dependencies.ts` (part of `npm run lint`) and unit-tested.
 */
import { builtinModules } from 'node:module';
import ts from 'typescript';

export interface PackageSources {
  /** The folder, e.g. `ui`; `.` for the workspace root (scripts, tests, configs). */
  dir: string;
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  /** Files that ship (src/): their imports must be `dependencies`. */
  sources: { path: string; text: string }[];
  /** Tests and tooling: their imports may also be `devDependencies` (here or at the root). */
  devSources: { path: string; text: string }[];
}

export interface WorkspaceFacts {
  packages: PackageSources[];
  /** The root's devDependencies: the shared tools every package's tests may use. */
  rootDevDependencies: Record<string, string>;
  /** A package's declared peer dependencies, by package name (from node_modules). */
  peersOf: (name: string) => string[];
  /** Workspace packages that `dir` must never reach through its dependencies (directly or not). */
  forbidden: Record<string, string[]>;
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for relative paths and builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || BUILTINS.has(specifier) || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The packages a file imports (static, dynamic and type-only imports, re-exports). */
export function importsOf(text: string): Set<string> {
  const names = new Set<string>();
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    const name = packageOf(ref.fileName);
    if (name) names.add(name);
  }
  return names;
}

/** Every problem found, one line each: an import not declared, a declaration not used, a forbidden arrow. */
export function dependencyProblems(facts: WorkspaceFacts): string[] {
  const problems: string[] = [];
  const byName = new Map(facts.packages.map((p) => [p.name, p]));
  for (const pkg of facts.packages) {
    const used = new Set<string>();
    for (const file of pkg.sources) {
      for (const name of importsOf(file.text)) {
        used.add(name);
        if (name !== pkg.name && !(name in pkg.dependencies) && !(pkg.dir === '.' && name in pkg.devDependencies)) {
          problems.push(`${file.path}: imports ${name}, which ${pkg.dir}/package.json does not list in dependencies`);
        }
      }
    }
    for (const file of pkg.devSources) {
      for (const name of importsOf(file.text)) {
        used.add(name);
        const declared =
          name === pkg.name || name in pkg.dependencies || name in pkg.devDependencies || name in facts.rootDevDependencies || byName.has(name);
        if (!declared) problems.push(`${file.path}: imports ${name}, which neither ${pkg.dir}/package.json nor the root's devDependencies list`);
        if (byName.has(name) && name !== pkg.name && !(name in pkg.dependencies) && !(name in pkg.devDependencies) && pkg.dir !== '.') {
          problems.push(`${file.path}: imports ${name}, which ${pkg.dir}/package.json does not list in devDependencies`);
        }
      }
    }
    // A declaration nobody imports is dead weight, unless another dependency needs it as its peer.
    const declared = { ...pkg.dependencies, ...(pkg.dir === '.' ? {} : pkg.devDependencies) };
    const peers = new Set(Object.keys(pkg.dependencies).flatMap((d) => facts.peersOf(d)));
    for (const name of Object.keys(declared)) {
      if (!used.has(name) && !peers.has(name)) problems.push(`${pkg.dir}/package.json: lists ${name}, which no file of ${pkg.dir} imports`);
    }
  }
  for (const [dir, never] of Object.entries(facts.forbidden)) {
    const pkg = facts.packages.find((p) => p.dir === dir);
    if (!pkg) continue;
    for (const reached of reachable(pkg, byName)) {
      if (never.includes(reached)) problems.push(`${dir}: reaches ${reached} through its dependencies, which the layout forbids`);
    }
  }
  return problems;
}

/** The workspace packages `pkg` reaches through `dependencies` (what would ship with it). */
function reachable(pkg: PackageSources, byName: Map<string, PackageSources>): Set<string> {
  const seen = new Set<string>();
  const visit = (p: PackageSources) => {
    for (const dep of Object.keys(p.dependencies)) {
      const next = byName.get(dep);
      if (next && !seen.has(dep)) {
        seen.add(dep);
        visit(next);
      }
    }
  };
  visit(pkg);
  return seen;
}
