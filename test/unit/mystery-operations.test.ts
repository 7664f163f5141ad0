// The operations a mystery round's answer is picked from, held against recorded traces (trace-analysis's fixtures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TRACE_OPERATIONS } from '@paytrace/faults';

interface JaegerTrace {
  spans: Array<{ operationName: string; processID: string }>;
  processes: Record<string, { serviceName: string }>;
}

const recorded = (name: string): JaegerTrace => {
  const json = JSON.parse(readFileSync(fileURLToPath(new URL(`../../trace-analysis/test/fixtures/${name}`, import.meta.url)), 'utf8')) as
    JaegerTrace | { data: JaegerTrace[] };
  return 'data' in json ? json.data[0]! : json;
};

test('every operation of a recorded payment’s and account’s trace (plumbing aside) is in the list to pick from', () => {
  const listed = new Set(TRACE_OPERATIONS.map((o) => `${o.service} ${o.operation}`));
  for (const name of ['payment-trace.jaeger.json', 'account-trace.jaeger.json']) {
    const trace = recorded(name);
    for (const span of trace.spans) {
      if (span.operationName === 'request' || span.operationName.startsWith('handler - ')) continue;
      // Queries as the list names them: without the database's name (`pg.query:SELECT paytrace`).
      const operation = span.operationName.replace(/^(pg\.query:\w+) .*$/, '$1');
      const key = `${trace.processes[span.processID]!.serviceName} ${operation}`;
      assert.ok(listed.has(key), `${name}: ${key} is not in TRACE_OPERATIONS`);
    }
  }
});
