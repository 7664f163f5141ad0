// k6 load test for POST /process-payment, for users who bring their own k6 (the project installs
// none: k6 is AGPL-3.0, see loadtest/README.md). An open model (constant-arrival-rate), so a slow
// stack shows up as latency and dropped iterations instead of quietly lowering the load.
//
//   k6 run loadtest/payments.js                          # 20 requests/s (DEFAULT_RATE) for 30 s
//   k6 run -e RATE=200 -e DURATION=60s loadtest/payments.js
//
// The mix is traffic-mix.js, the one the project's own generators send too: 90% payments that
// succeed (spread over 20 accounts with ample balance), 5% refused for insufficient funds (402)
// and 5% invalid (400). Every request has its own Idempotency-Key. k6 sends no traceparent, so
// the stack's own sampler decides what is traced. No remote imports: the machines this runs on
// are offline.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
import { concurrency, DEFAULT_RATE, requestAt } from './traffic-mix.js';

/** The k6 this script is tested with; docker-compose.yml's `k6` service runs its official image. */
export const K6_VERSION = '1.8.1';

const BASE = __ENV.PAYTRACE_URL || 'http://127.0.0.1:8080';
const RATE = Number(__ENV.RATE || DEFAULT_RATE);
const DURATION = __ENV.DURATION || '30s';
const P99_MS = Number(__ENV.P99_MS || 500);
const VUS = concurrency(RATE);

export const options = {
  discardResponseBodies: true,
  scenarios: {
    payments: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: VUS.initial,
      maxVUs: VUS.max,
    },
  },
  thresholds: {
    // Unexpected answers only: each request states the status its kind must get (responseCallback).
    http_req_failed: ['rate<0.001'],
    'http_req_duration{kind:payment}': [`p(99)<${P99_MS}`],
    // Time to first byte of the payments: what the gateway's SERVER span measures, so the lab
    // compares sampled traces against it. (k6 reports a tagged sub-metric only if a threshold names it.)
    'http_req_waiting{kind:payment}': [`p(99)<${P99_MS}`],
    dropped_iterations: ['count==0'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
};

// Time to first byte of the 201 payments, split by whether the stack sampled them (the flags of
// the gateway's traceresponse header): are the requests a sample keeps typical of all of them?
const waitingSampled = new Trend('payment_waiting_sampled', true);
const waitingUnsampled = new Trend('payment_waiting_unsampled', true);

export default function () {
  const i = exec.scenario.iterationInTest;
  const { kind, apiKey, body, expectedStatus } = requestAt(i);
  const res = http.post(`${BASE}/process-payment`, JSON.stringify(body), {
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${apiKey}`,
      'idempotency-key': `k6-${exec.vu.idInTest}-${i}-${Date.now()}`,
    },
    tags: { kind },
    responseCallback: http.expectedStatuses(expectedStatus),
  });
  check(res, { [`${kind} → ${expectedStatus}`]: (r) => r.status === expectedStatus });
  const traceresponse = res.headers.Traceresponse; // 00-<trace id>-<span id>-<flags>; absent with the SDK off
  if (kind === 'payment' && res.status === 201 && traceresponse) {
    const sampled = (parseInt(traceresponse.slice(-2), 16) & 1) === 1;
    (sampled ? waitingSampled : waitingUnsampled).add(res.timings.waiting);
  }
}

// The summary as JSON to a file (SUMMARY_PATH) for the sampling lab, and the usual text on stdout.
export function handleSummary(data) {
  const out = { stdout: textSummary(data) };
  if (__ENV.SUMMARY_PATH) out[__ENV.SUMMARY_PATH] = JSON.stringify(data);
  return out;
}

function textSummary(data) {
  const d = data.metrics['http_req_duration{kind:payment}'] || data.metrics.http_req_duration;
  const reqs = data.metrics.http_reqs;
  const failed = data.metrics.http_req_failed;
  const dropped = data.metrics.dropped_iterations;
  return [
    `requests: ${reqs ? reqs.values.count : 0} (${reqs ? reqs.values.rate.toFixed(1) : 0}/s), unexpected: ${failed ? (failed.values.rate * 100).toFixed(2) : 0}%, dropped iterations: ${dropped ? dropped.values.count : 0}`,
    `payment latency: p50 ${d.values.med.toFixed(1)} ms, p95 ${d.values['p(95)'].toFixed(1)} ms, p99 ${d.values['p(99)'].toFixed(1)} ms`,
    '',
  ].join('\n');
}
