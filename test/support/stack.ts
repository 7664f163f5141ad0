import { otlpEndpoint } from './env.js';
import { freePort, SERVICES, startServices, type RunningServices, type ServiceName, type ServicesOptions } from '@paytrace/devstack';

export interface TestStack extends RunningServices {
  gateway: string;
  /** Every log line the services printed, as `service| line`. */
  logLines: string[];
  pay(
    body: object,
    options?: { key?: string; idempotencyKey?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

/** The four real services as processes on free ports, against the given Postgres and Stripe. */
export async function startTestStack(options: Omit<ServicesOptions, 'ports'>): Promise<TestStack> {
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<ServiceName, number>;
  const lines: string[] = [];
  const running = await startServices({
    ...options,
    ports,
    env: {
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
      // Export soon after a request ends, so a test can fetch its trace right away.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Metrics every second (not every 10 s), so a test reads its requests' metrics soon after.
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      ...options.env,
    },
    // Kept for failure messages instead of flooding the test output.
    onLine: (service, line) => {
      lines.push(`${service}| ${line}`);
      if (process.env.PAYTRACE_TEST_LOGS) console.log(`${service}| ${line}`);
    },
  });
  const gateway = running.urls.gateway;
  return {
    ...running,
    gateway,
    logLines: lines,
    async pay(body, { key = 'test_key_alice', idempotencyKey, headers = {} } = {}) {
      const res = await fetch(`${gateway}/process-payment`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          ...headers,
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json(), headers: res.headers };
    },
  };
}
