/** service.instance.id: which process of a service this is, read from (and defaulted into) OTEL_RESOURCE_ATTRIBUTES. */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

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

/** The namespace the semantic conventions give for a service.instance.id made as a UUID v5. */
export const SERVICE_INSTANCE_ID_NAMESPACE = '4d63009a-8d0f-11ee-aad7-4c796ed8e320';

/** An RFC 9562 (4122) name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace = SERVICE_INSTANCE_ID_NAMESPACE): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Gives the process a service.instance.id when nothing set one, added to OTEL_RESOURCE_ATTRIBUTES
 * so the SDK's resource (every span and metric) and the fault flags' evaluation context
 * (fault-flags.ts) read the same id. A service that listens on PORT is one process per host and
 * port: its id is a UUID v5 of its name, host and port (the semantic conventions' namespace), the
 * same across restarts, so a restart continues its metric series instead of starting a new one
 * (as it did before any id was set); without PORT, a random UUID (v4). The host name is hashed,
 * never shown. The dev stack sets readable ids for replicas (`balance-2`). Returns the id.
 */
export function defaultServiceInstanceId(env: NodeJS.ProcessEnv = process.env): string {
  const set = serviceInstanceId(env);
  if (set) return set;
  const id = env.PORT ? uuidV5(`${env.OTEL_SERVICE_NAME ?? 'unknown_service'}@${hostname()}:${env.PORT}`) : randomUUID();
  const others = env.OTEL_RESOURCE_ATTRIBUTES?.trim();
  env.OTEL_RESOURCE_ATTRIBUTES = `${others ? `${others},` : ''}${SERVICE_INSTANCE_ID}=${id}`;
  return id;
}
