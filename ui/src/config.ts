/** The UI's configuration from the environment (HOST, PORT 16600, JAEGER_URL, PROMETHEUS_URL, PAYTRACE_UI_*), validated once at boot. */
import envSchema from 'env-schema';
import { Type, type Static } from '@sinclair/typebox';

/**
 * The UI's settings, read and validated once at boot from the environment (PAYTRACE_UI_*), so a
 * bad value stops it with the variable's name instead of failing on a page.
 */
export const UiConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 16_600 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Jaeger's HTTP query API, as this process reaches it. */
  JAEGER_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:16686' }),
  /** Prometheus's HTTP API, as this process reaches it: the charts on / and /services/<name>. */
  PROMETHEUS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:9090' }),
  /** Jaeger's UI as the reader's browser reaches it; the trace page links there. Empty: no link (a go-built Jaeger has no UI). */
  PAYTRACE_UI_JAEGER_UI_URL: Type.String({ pattern: '^(https?://.*)?$', default: '' }),
  /** A call to Jaeger that takes longer than this is reported as Jaeger not answering. */
  PAYTRACE_UI_JAEGER_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /** A query to Prometheus that takes longer than this is reported as Prometheus not answering (the front page then shows the traces alone). */
  PAYTRACE_UI_PROMETHEUS_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /** The fault switches' flagd file (what `npm run fault` edits). Empty: /faults only says so. */
  PAYTRACE_UI_FLAG_FILE: Type.String({ default: '' }),
  /** Folders with sampling lab results (sampling-lab.json, here or one folder down), comma-separated. */
  PAYTRACE_UI_LAB_DIRS: Type.String({ default: '' }),
  /**
   * How long after a request its trace is complete in Jaeger: the services export in batches
   * (OTEL_BSP_SCHEDULE_DELAY, 5 s by default). The last minute's verdict leaves out newer traces.
   */
  PAYTRACE_UI_SETTLE_MS: Type.Integer({ minimum: 0, default: 6_000 }),
});

export type UiConfig = Static<typeof UiConfigSchema>;

export function loadUiConfig(env: NodeJS.ProcessEnv = process.env): UiConfig {
  return envSchema<UiConfig>({ schema: UiConfigSchema, data: env, dotenv: false, env: false });
}
