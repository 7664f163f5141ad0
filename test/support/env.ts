/**
 * What `npm test` (scripts/test.ts) started for the tests: a real Postgres, a real stripe-mock,
 * and the real telemetry pipeline (OpenTelemetry Collector → Jaeger for traces, → Prometheus for metrics).
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts Postgres and stripe-mock`);
  return value;
}

export const databaseUrl = required('PAYTRACE_TEST_DATABASE_URL');
export const stripePort = Number(required('PAYTRACE_TEST_STRIPE_PORT'));
export const stripeApiBase = `http://127.0.0.1:${stripePort}`;
export const otlpEndpoint = required('PAYTRACE_TEST_OTLP_ENDPOINT');
export const jaegerUrl = required('PAYTRACE_TEST_JAEGER_URL');
export const collectorMetricsUrl = required('PAYTRACE_TEST_COLLECTOR_METRICS_URL');
export const prometheusUrl = required('PAYTRACE_TEST_PROMETHEUS_URL');
