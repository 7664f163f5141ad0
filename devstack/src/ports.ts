import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TelemetryPorts {
  otlpGrpc: number;
  otlpHttp: number;
  collectorHealth: number;
  collectorMetrics: number;
  jaegerOtlpGrpc: number;
  jaegerOtlpHttp: number;
  jaegerQuery: number;
  jaegerQueryGrpc: number;
  jaegerHealth: number;
  jaegerMetrics: number;
}

export interface StackSettings {
  ports: { gateway: number; auth: number; balance: number; payments: number; postgres: number; stripeMock: number };
  telemetry: TelemetryPorts;
  /** `DATABASE_URL` when set (your own Postgres), else the local server `npm run stack` starts. */
  databaseUrl: string;
  externalDatabase: boolean;
}

/** stack.env, overridden by the environment. */
export function stackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const file = parseEnv(readFileSync(new URL('../../stack.env', import.meta.url), 'utf8')) as Record<string, string>;
  const get = (name: string) => {
    const value = Number(env[name] ?? file[name]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a port number`);
    return value;
  };
  const ports = {
    gateway: get('GATEWAY_PORT'),
    auth: get('AUTH_PORT'),
    balance: get('BALANCE_PORT'),
    payments: get('PAYMENTS_PORT'),
    postgres: get('POSTGRES_PORT'),
    stripeMock: get('STRIPE_MOCK_PORT'),
  };
  const telemetry: TelemetryPorts = {
    otlpGrpc: get('OTELCOL_OTLP_GRPC_PORT'),
    otlpHttp: get('OTELCOL_OTLP_HTTP_PORT'),
    collectorHealth: get('OTELCOL_HEALTH_PORT'),
    collectorMetrics: get('OTELCOL_METRICS_PORT'),
    jaegerOtlpGrpc: get('JAEGER_OTLP_GRPC_PORT'),
    jaegerOtlpHttp: get('JAEGER_OTLP_HTTP_PORT'),
    jaegerQuery: get('JAEGER_QUERY_PORT'),
    jaegerQueryGrpc: get('JAEGER_QUERY_GRPC_PORT'),
    jaegerHealth: get('JAEGER_HEALTH_PORT'),
    jaegerMetrics: get('JAEGER_METRICS_PORT'),
  };
  return {
    ports,
    telemetry,
    databaseUrl: env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${ports.postgres}/paytrace`,
    externalDatabase: env.DATABASE_URL !== undefined,
  };
}
