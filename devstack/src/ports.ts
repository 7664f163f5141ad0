/** The stack's ports: their variables (stack.env), fixed or free ones, the database URL, and the repository's ROOT. */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import getPort from 'get-port';

/** The repository's root folder (where stack.env, the configuration files and .tools/ are). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every port of the stack and the variable that sets it. The numbers are in stack.env (which
 * docker-compose.yml and the configuration files read too); this table only names them, once.
 */
export const PORT_VARIABLES = {
  gateway: 'GATEWAY_PORT',
  auth: 'AUTH_PORT',
  balance: 'BALANCE_PORT',
  payments: 'PAYMENTS_PORT',
  postgres: 'POSTGRES_PORT',
  stripeMock: 'STRIPE_MOCK_PORT',
  // The Collector: OTLP in (the services export here), health, its own metrics.
  otlpGrpc: 'OTELCOL_OTLP_GRPC_PORT',
  otlpHttp: 'OTELCOL_OTLP_HTTP_PORT',
  collectorHealth: 'OTELCOL_HEALTH_PORT',
  collectorMetrics: 'OTELCOL_METRICS_PORT',
  // Jaeger: OTLP in from the Collector, its query API and UI, health, its own metrics, its profiler.
  jaegerOtlpGrpc: 'JAEGER_OTLP_GRPC_PORT',
  jaegerOtlpHttp: 'JAEGER_OTLP_HTTP_PORT',
  jaegerQuery: 'JAEGER_QUERY_PORT',
  jaegerQueryGrpc: 'JAEGER_QUERY_GRPC_PORT',
  jaegerHealth: 'JAEGER_HEALTH_PORT',
  jaegerMetrics: 'JAEGER_METRICS_PORT',
  jaegerPprof: 'JAEGER_PPROF_PORT',
  // Prometheus: the metrics (the SDKs' and the span metrics), its HTTP API; OTLP in on the same port.
  prometheus: 'PROMETHEUS_PORT',
  // paytrace's web UI (ui/): the traces, the fault switches, the sampling lab.
  ui: 'UI_PORT',
} as const;

export type PortName = keyof typeof PORT_VARIABLES;
export type StackPorts = Record<PortName, number>;
const PORT_NAMES = Object.keys(PORT_VARIABLES) as PortName[];

/** The ports of `npm run stack`: stack.env, each overridable from the environment. */
export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const file = parseEnv(readFileSync(new URL('../../stack.env', import.meta.url), 'utf8')) as Record<string, string>;
  const entries = PORT_NAMES.map((name) => {
    const variable = PORT_VARIABLES[name];
    const value = Number(env[variable] ?? file[variable]);
    if (!Number.isInteger(value) || value <= 0 || value > 65_535) throw new Error(`${variable} must be a port number (stack.env or the environment)`);
    return [name, value] as const;
  });
  return Object.fromEntries(entries) as StackPorts;
}

/** `NAME_PORT=<port>` for the given ports: how the configuration files learn them. */
export function portVariables(ports: Partial<StackPorts>): Record<string, string> {
  return Object.fromEntries(Object.entries(ports).map(([name, port]) => [PORT_VARIABLES[name as PortName], String(port)]));
}

/**
 * Free loopback ports for a private stack (tests, the lab, the benches) that cannot collide with
 * `npm run stack`. They are drawn at random from below the kernel's ephemeral range, where the
 * kernel picks the source ports of outgoing connections: otherwise one of the running stack's own
 * connections could take a port between this check and the server's bind.
 */
export async function freeStackPorts(): Promise<StackPorts> {
  const ports: Partial<StackPorts> = {};
  for (const name of PORT_NAMES) ports[name] = await freePort();
  return ports as StackPorts;
}

/** One free loopback port below the ephemeral range (see freeStackPorts). */
export async function freePort(): Promise<number> {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  const low = Math.max(1024, ephemeralLow - 12_000);
  // get-port tries these in order and never hands out the same port twice in this process (reserve).
  const candidates = Array.from({ length: 64 }, () => low + Math.floor(Math.random() * (ephemeralLow - low)));
  const port = await getPort({ port: candidates, host: '127.0.0.1', reserve: true });
  if (port >= ephemeralLow) throw new Error(`no free port found in ${low}–${ephemeralLow - 1}`);
  return port;
}

/** The database `npm run stack` starts: `DATABASE_URL` when set (your own Postgres) wins. */
export function stackDatabaseUrl(ports: Pick<StackPorts, 'postgres'>, env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${ports.postgres}/paytrace`;
}
