import { freePort } from '../../scripts/lib/processes.js';
import { SERVICES, startServices, type RunningServices, type ServiceName, type ServicesOptions } from '../../scripts/lib/services.js';

export interface TestStack extends RunningServices {
  gateway: string;
  pay(body: object, options?: { key?: string; idempotencyKey?: string }): Promise<{ status: number; body: any; headers: Headers }>;
}

/** The four real services as processes on free ports, against the given Postgres and Stripe. */
export async function startTestStack(options: Omit<ServicesOptions, 'ports'>): Promise<TestStack> {
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<ServiceName, number>;
  const lines: string[] = [];
  const running = await startServices({
    ...options,
    ports,
    env: { LOG_LEVEL: 'warn', ...options.env },
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
    async pay(body, { key = 'test_key_alice', idempotencyKey } = {}) {
      const res = await fetch(`${gateway}/process-payment`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json(), headers: res.headers };
    },
  };
}
