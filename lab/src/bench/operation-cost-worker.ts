/**
 * One process of `npm run bench:operations` (operation-costs.ts): started under the services'
 * telemetry bootstrap with one configuration's environment, it runs each instrumented operation
 * of a payment many times, one after another, and prints one JSON line: CPU µs and bytes allocated
 * per operation, for each operation.
 *
 *   node --import @paytrace/services/telemetry --import tsx operation-cost-worker.ts
 *
 * Environment: BENCH_DATABASE_URL (the bench stack's Postgres), FLAGD_* (flagd's in-process provider on the flag file),
 * BENCH_OPERATIONS (comma-separated names, default all), BENCH_WARMUP and BENCH_BATCH (operations
 * per warm-up and per measured batch), BENCH_BATCHES, BENCH_PROFILE_DIR (V8's CPU profile and sampled
 * allocations of each operation's measured batches, `<operation>.cpuprofile` and `.heapprofile`,
 * for Chrome DevTools or speedscope; start-up and warm-up left out); the OTEL_* and PAYTRACE_* of the
 * configuration. The operations themselves are in operation-cost-operations.ts.
 */
import { GCProfiler } from 'node:v8';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { OPERATIONS, type Operation, type OperationName } from './operation-cost-operations.js';
import { medianFigures, type OperationFigures } from './operation-figures.js';

export type WorkerResult = Record<string, OperationFigures>;

/** The spans of one batch of this many operations share a parent, as a payment's calls share its request's span. */
const OPERATIONS_PER_PARENT = 10;
const tracer = trace.getTracer('@paytrace/lab/operation-costs');

/** Runs `operation` `count` times, one after another, each group of 10 under one parent span. */
async function runUnderParents(operation: Operation, count: number): Promise<void> {
  for (let done = 0; done < count; done += OPERATIONS_PER_PARENT) {
    await tracer.startActiveSpan('bench.parent', async (parent) => {
      for (let i = 0; i < OPERATIONS_PER_PARENT; i++) await operation.run();
      parent.end();
    });
  }
}

/** Runs `operation` `count` times outside any span, as a service's incoming request begins. */
async function runBare(operation: Operation, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await operation.run();
}

function allocatedDuring(profile: ReturnType<GCProfiler['stop']>, usedBefore: number, usedAfter: number): number {
  // Heap growth plus what each garbage collection freed during the batch.
  const freed = (profile?.statistics ?? []).reduce(
    (sum, gc) => sum + Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize),
    0,
  );
  return usedAfter - usedBefore + freed;
}

async function measure(
  operation: Operation,
  runMany: (op: Operation, n: number) => Promise<void>,
  profileTo: string | undefined,
): Promise<OperationFigures> {
  const warmup = Number(process.env.BENCH_WARMUP ?? 3000);
  const batch = Number(process.env.BENCH_BATCH ?? 2000);
  const batches = Number(process.env.BENCH_BATCHES ?? 5);
  await runMany(operation, warmup);
  const inspector = profileTo ? new Session() : undefined;
  if (inspector) {
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    // Every allocation, also those a scavenge collects at once: where the bytes per operation come from.
    await inspector.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const samples: OperationFigures[] = [];
  for (let b = 0; b < batches; b++) {
    const profiler = new GCProfiler();
    const peerBefore = operation.peerCpuUs?.();
    const usedBefore = process.memoryUsage().heapUsed;
    profiler.start();
    const cpuBefore = process.cpuUsage();
    const wallBefore = process.hrtime.bigint();
    await runMany(operation, batch);
    const wall = Number(process.hrtime.bigint() - wallBefore) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const profile = profiler.stop();
    const usedAfter = process.memoryUsage().heapUsed;
    const peerAfter = operation.peerCpuUs?.();
    samples.push({
      cpuUs: (cpu.user + cpu.system) / batch,
      wallUs: wall / batch,
      allocatedBytes: allocatedDuring(profile, usedBefore, usedAfter) / batch,
      ...(peerBefore !== undefined && peerAfter !== undefined ? { postgresCpuUs: (peerAfter - peerBefore) / batch } : {}),
    });
  }
  if (inspector && profileTo) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(`${profileTo}.cpuprofile`, JSON.stringify(profile));
    const { profile: heap } = await inspector.post('HeapProfiler.stopSampling');
    writeFileSync(`${profileTo}.heapprofile`, JSON.stringify(heap));
    inspector.disconnect();
  }
  return medianFigures(samples);
}

async function main(): Promise<void> {
  const names = (process.env.BENCH_OPERATIONS?.split(',') ?? Object.keys(OPERATIONS)) as OperationName[];
  const result: WorkerResult = {};
  for (const name of names) {
    const { setup, underParent } = OPERATIONS[name];
    const operation = await setup();
    const profileDir = process.env.BENCH_PROFILE_DIR;
    result[name] = await measure(operation, underParent ? runUnderParents : runBare, profileDir ? join(profileDir, name) : undefined);
    await operation.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
process.exit(0);
