/** service.instance.id: which process of a service this is, read from (and defaulted into) OTEL_RESOURCE_ATTRIBUTES. */
import { randomUUID } from 'node:crypto';

export const SERVICE_INSTANCE_ID = 'service.instance.id';

/**
 * The service.instance.id that OTEL_RESOURCE_ATTRIBUTES sets (`key=value` pairs, comma-separated,
 * values percent-encoded, as the SDK's envDetector reads them; the last one wins), or undefined.
 */
export function serviceInstanceId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  let id: string | undefined;
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === SERVICE_INSTANCE_ID) {
      try {
        id = decodeURIComponent(pair.slice(at + 1).trim());
      } catch {
        id = pair.slice(at + 1).trim();
      }
    }
  }
  return id || undefined;
}

/**
 * Gives the process a service.instance.id when nothing set one: a random UUID (v4), as the
 * semantic conventions advise when no stable id exists, added to OTEL_RESOURCE_ATTRIBUTES so the
 * SDK's resource (every span and metric) and the fault flags' evaluation context (fault-flags.ts)
 * read the same id. The dev stack sets readable ones for replicas (`balance-2`). Returns the id.
 */
export function defaultServiceInstanceId(env: NodeJS.ProcessEnv = process.env): string {
  const set = serviceInstanceId(env);
  if (set) return set;
  const id = randomUUID();
  const others = env.OTEL_RESOURCE_ATTRIBUTES?.trim();
  env.OTEL_RESOURCE_ATTRIBUTES = `${others ? `${others},` : ''}${SERVICE_INSTANCE_ID}=${id}`;
  return id;
}
