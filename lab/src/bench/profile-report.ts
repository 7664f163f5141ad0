/** bench:profile's report: CPU ms per request by the package that owns the code, one column per configuration. */
import { isTelemetry } from './profile-attribution.js';
import type { Profiled, ProfileOptions } from './profile.js';

/** The profile report: CPU ms per request, per owner, one column per configuration. */
export function profileReport(results: Profiled[], options: ProfileOptions & { top: number; functions: boolean }): string[] {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const perRequest = (r: Profiled, ms: number) => ms / Math.max(1, r.requests);
  const busy = (r: Profiled) => [...r.byOwner.values()].reduce((a, b) => a + b, 0);
  const telemetry = (r: Profiled) => [...r.byOwner].filter(([who]) => isTelemetry(who)).reduce((a, [, ms]) => a + ms, 0);
  for (const r of results) {
    const env =
      Object.entries(r.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '(defaults: SDK on, parentbased_always_on)';
    log(`${r.name}: ${env}; ${r.requests} requests at ${options.rate} req/s after ${options.warmupS} s of warm-up, ${options.rounds} round(s)`);
  }
  const owners = new Map<string, number>();
  for (const r of results) for (const [who, ms] of r.byOwner) owners.set(who, Math.max(owners.get(who) ?? 0, perRequest(r, ms)));
  const cols = results.map((r) => r.name);
  log(`\nCPU ms per request, by the package that owns the code\n\n| owner | ${cols.join(' | ')} |\n| --- |${cols.map(() => ' ---: |').join('')}`);
  for (const [who] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, options.top)) {
    log(`| ${who}${isTelemetry(who) ? ' (telemetry)' : ''} | ${results.map((r) => perRequest(r, r.byOwner.get(who) ?? 0).toFixed(3)).join(' | ')} |`);
  }
  log(`| **all (busy)** | ${results.map((r) => perRequest(r, busy(r)).toFixed(3)).join(' | ')} |`);
  log(
    `| of which telemetry packages | ${results.map((r) => `${perRequest(r, telemetry(r)).toFixed(3)} (${((telemetry(r) / busy(r)) * 100).toFixed(1)}%)`).join(' | ')} |`,
  );
  log(`\nprofiles: ${options.outDir}/<configuration>/round-<n>/<service>/*.cpuprofile`);
  if (options.functions) {
    const fns = new Map<string, number>();
    for (const r of results) for (const [fn, ms] of r.telemetrySelf) fns.set(fn, Math.max(fns.get(fn) ?? 0, perRequest(r, ms)));
    log(`\n| telemetry function (self time, ms per request) | ${cols.join(' | ')} |\n| --- |${cols.map(() => ' ---: |').join('')}`);
    for (const [fn] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
      log(`| ${fn} | ${results.map((r) => perRequest(r, r.telemetrySelf.get(fn) ?? 0).toFixed(3)).join(' | ')} |`);
    }
  }

  return lines;
}
