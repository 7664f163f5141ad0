/** paytrace's web UI as a process of the stack (startUi), launched by path like the services. */
import { fileURLToPath } from 'node:url';
import { startProcess, waitForHttp, type ManagedProcess, type Owner } from './processes.js';

export interface StartUiOptions {
  port: number;
  jaegerUrl: string;
  jaegerUiUrl?: string;
  /** Prometheus's HTTP API, for the charts (PROMETHEUS_URL; default the UI's own, http://127.0.0.1:9090). */
  prometheusUrl?: string;
  flagFile?: string;
  labDirs?: string[];
  settleMs?: number;
  /** Extra environment (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
  /** Added to it as soon as it is spawned; its stop cancels the start. */
  owner?: Owner;
}

export interface RunningUi {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * The UI in a process of its own, as `npm run stack` runs it: its pages parse Jaeger's JSON, and
 * in the stack's own process that work would stall the fault proxies and add latency to the very
 * requests being traced. Runs the TypeScript source through tsx, like the rest of the tooling.
 */
export async function startUi(options: StartUiOptions): Promise<RunningUi> {
  // The UI's entry by path, like the services' (services.ts): the dev stack runs it, never imports it.
  const server = fileURLToPath(new URL('../../ui/src/server.ts', import.meta.url));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(options.port),
    JAEGER_URL: options.jaegerUrl,
    PAYTRACE_UI_JAEGER_UI_URL: options.jaegerUiUrl ?? '',
    ...(options.prometheusUrl !== undefined ? { PROMETHEUS_URL: options.prometheusUrl } : {}),
    PAYTRACE_UI_FLAG_FILE: options.flagFile ?? '',
    PAYTRACE_UI_LAB_DIRS: (options.labDirs ?? []).join(','),
    ...(options.settleMs !== undefined ? { PAYTRACE_UI_SETTLE_MS: String(options.settleMs) } : {}),
    ...options.env,
  };
  const { owner } = options;
  owner?.signal.throwIfAborted();
  const child = startProcess({
    name: 'ui',
    command: process.execPath,
    args: ['--import', 'tsx', server],
    env,
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    owner?.add(() => child.stop());
    await waitForHttp(`${url}/healthz`, { process: child, timeoutMs: 30_000, ...(owner ? { signal: owner.signal } : {}) });
  } catch (err) {
    // Its output is in the message already when it exited.
    const output = child.exitCode() === undefined ? `\n${child.recentOutput().join('\n')}` : '';
    await child.stop();
    if (owner?.signal.aborted) throw err;
    throw new Error(`the UI did not start: ${(err as Error).message}${output}`);
  }
  return { url, process: child, stop: () => child.stop() };
}
