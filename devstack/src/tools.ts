/** ensureTool(): the path of a pinned tool in .tools/ (stripe-mock, Jaeger, otelcol, Prometheus, vegeta, …), installed on first use. */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './ports.js';

export type Tool = 'stripe-mock' | 'jaeger' | 'otelcol' | 'prometheus' | 'vegeta' | 'telemetrygen' | 'compose-check' | 'schemathesis' | 'chromium';
const BINARIES: Record<Exclude<Tool, 'chromium'>, string> = {
  'stripe-mock': 'bin/stripe-mock',
  jaeger: 'bin/jaeger',
  otelcol: 'bin/otelcol-paytrace',
  prometheus: 'bin/prometheus',
  vegeta: 'bin/vegeta',
  telemetrygen: 'bin/telemetrygen',
  'compose-check': 'bin/compose-check',
  schemathesis: 'schemathesis/bin/st',
};

/**
 * Path of a pinned tool, built or installed into .tools/ by scripts/install-tools.sh (a no-op
 * when the pinned version is already there). Chromium, for the browser tests, is Debian's package
 * (the script installs it with apt-get), or the one PAYTRACE_CHROMIUM names.
 */
export function ensureTool(tool: Tool): string {
  const path = tool === 'chromium' ? (process.env.PAYTRACE_CHROMIUM ?? '/usr/bin/chromium') : join(ROOT, '.tools', BINARIES[tool]);
  execFileSync('bash', [join(ROOT, 'scripts', 'install-tools.sh'), tool], { stdio: 'inherit' });
  if (!existsSync(path)) throw new Error(`scripts/install-tools.sh did not produce ${path}`);
  return path;
}
