import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { REPO_FLAG_FILE, clearFaults, type FaultScenario } from '@paytrace/faults';
import { startFaultProxies, type FaultProxies, type ServicesOptions } from '@paytrace/devstack';
import { JaegerClient, analyzeTrace, collectTraces, verdict, type Verdict } from '@paytrace/trace-analysis';
import { driveLoad, type LoadRequest } from '@paytrace/lab/load';
import { databaseUrl, jaegerUrl, stripePort } from './env.js';
import { startTestStack, type TestStack } from './stack.js';

/** The four services with their faults switchable: what the detective's tests break on purpose. */
export interface FaultStack {
  /** A private copy of the flag file, every fault off at the start; the services and the proxies read it. */
  flagFile: string;
  /** The stack's proxies in front of stripe-mock and each service's database, playing the outside world's faults. */
  proxies: FaultProxies;
  stack: TestStack;
  /**
   * Drives a scenario's load (SCENARIO_LOAD on its route, with its API keys) and judges the traces of
   * its sampled requests (the last 200), read back from Jaeger: the detective's aggregate verdict.
   */
  judge(scenario: FaultScenario): Promise<{ verdict: Verdict; requests: LoadRequest[] }>;
  /** Stops the services and the proxies and removes the flag file. */
  stop(): Promise<void>;
}

/** The load each scenario is judged under: enough sampled traces (≥20) in a few seconds on 2 cores. */
export const SCENARIO_LOAD = { concurrency: 4, durationMs: 5_000 };

/**
 * The real services behind the fault proxies (as `npm run stack` runs them), reading a private copy
 * of the flag file through OpenFeature's in-process flagd provider, so a test switches faults
 * without touching the repository's file. `name` names the temporary folder; `env` is added to the
 * services' environment (e.g. another Collector's OTEL_EXPORTER_OTLP_ENDPOINT).
 */
export async function startFaultStack(options: {
  name: string;
  env?: Record<string, string>;
  /** Services run as replicas (`balance-1`, `balance-2`… behind a balancer), each with its own database proxy. */
  replicas?: ServicesOptions['replicas'];
}): Promise<FaultStack> {
  const workDir = mkdtempSync(join(tmpdir(), `paytrace-${options.name}-`));
  const flagFile = join(workDir, 'paytrace.flagd.json');
  copyFileSync(REPO_FLAG_FILE, flagFile);
  clearFaults(flagFile);
  let proxies: FaultProxies | undefined;
  try {
    proxies = await startFaultProxies({ flagFile, stripeMockPort: stripePort, databaseUrl });
    const stack = await startTestStack({
      databaseUrl,
      stripeApiBase: proxies.stripeApiBase,
      env: { FLAGD_RESOLVER: 'in-process', FLAGD_OFFLINE_FLAG_SOURCE_PATH: flagFile, ...options.env },
      envFor: {
        auth: { DATABASE_URL: proxies.databaseUrls.auth },
        balance: { DATABASE_URL: proxies.databaseUrls.balance },
        payments: { DATABASE_URL: proxies.databaseUrls.payments },
      },
      ...(options.replicas ? { replicas: options.replicas, envForInstance: await proxies.replicaDatabaseEnv(options.replicas) } : {}),
    });
    const started = proxies;
    const jaeger = new JaegerClient(jaegerUrl);
    return {
      flagFile,
      proxies: started,
      stack,
      async judge(scenario) {
        const { route, apiKeys } = scenario.load;
        const requests = await driveLoad({ gatewayUrl: stack.gateway, route, apiKeys, ...SCENARIO_LOAD });
        const traceIds = requests.flatMap((r) => (r.sampled && r.traceId ? [r.traceId] : [])).slice(-200);
        assert.ok(traceIds.length >= 20, `only ${traceIds.length} sampled requests`);
        const traces = await collectTraces(jaeger, { traceIds }, { settleMs: 1_500 });
        return { verdict: verdict(traces.map(analyzeTrace)), requests };
      },
      async stop() {
        await stack.stop();
        await started.close();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proxies?.close();
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
}
