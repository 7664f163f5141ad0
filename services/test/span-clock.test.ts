import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AnchoredClock, PreciseStartTimeProcessor, type ClockSources } from '../src/span-clock.js';

/**
 * A wall clock and a monotonic clock the test moves by hand; each reading advances time a little.
 * Time is kept as an offset from a whole-millisecond epoch, so that tiny steps are not lost to
 * floating point.
 */
function fakeClocks(startWallMs: number, stepMs = 0.0001) {
  const epochMs = Math.floor(startWallMs);
  let elapsedMs = startWallMs - epochMs; // real time since epochMs
  let wallStepMs = 0; // how far the wall clock was stepped away from the monotonic one
  const tick = () => (elapsedMs += stepMs);
  const sources: ClockSources = {
    wallMs: () => epochMs + Math.floor(tick() + wallStepMs),
    monotonicMs: () => 5_000 + tick(), // an arbitrary origin
  };
  return {
    sources,
    advance: (ms: number) => {
      elapsedMs += ms;
    },
    /** The wall clock is stepped (NTP, a suspended VM); the monotonic clock is not. */
    stepWall: (ms: number) => {
      wallStepMs += ms;
    },
    /** What a perfect wall clock reads now. */
    trueMs: () => epochMs + elapsedMs + wallStepMs,
  };
}

const toMs = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;

describe('AnchoredClock', () => {
  test('anchors at the tick of the wall clock: its readings are the true time to a microsecond', () => {
    const clocks = fakeClocks(1_764_000_000_123.4);
    const clock = new AnchoredClock(clocks.sources);
    clocks.advance(1234.5678);
    const reading = toMs(clock.now());
    assert.ok(Math.abs(reading - clocks.trueMs()) < 0.002, `${reading} vs ${clocks.trueMs()}`);
  });

  test('now() and at() give [seconds, nanoseconds] with the nanoseconds below 1e9', () => {
    const clocks = fakeClocks(1_764_000_000_999.9);
    const clock = new AnchoredClock(clocks.sources);
    for (let i = 0; i < 1000; i++) {
      clocks.advance(0.3337);
      const [seconds, nanos] = clock.now();
      assert.ok(Number.isInteger(seconds) && Number.isInteger(nanos) && nanos >= 0 && nanos < 1e9);
    }
  });

  test('keeps its anchor while it agrees with the wall clock, re-anchors when the wall clock is stepped', () => {
    const clocks = fakeClocks(1_764_000_000_000.25);
    const clock = new AnchoredClock(clocks.sources);
    clocks.advance(10_000);
    assert.equal(clock.checkDrift(), false);
    assert.equal(clock.anchors, 1);
    clocks.stepWall(2.5);
    assert.equal(clock.checkDrift(), true);
    assert.equal(clock.anchors, 2);
    assert.ok(Math.abs(toMs(clock.now()) - clocks.trueMs()) < 0.002);
  });

  test('a drift check interrupted between its readings proves nothing and changes nothing', () => {
    const clocks = fakeClocks(1_764_000_000_000.25);
    const clock = new AnchoredClock(clocks.sources);
    let calls = 0;
    const wallMs = clocks.sources.wallMs;
    clocks.sources.wallMs = () => (++calls === 1 ? (clocks.advance(5), wallMs()) : wallMs()); // preempted for 5 ms
    assert.equal(clock.checkDrift(), false);
    assert.equal(clock.anchors, 1);
  });
});

describe('PreciseStartTimeProcessor', () => {
  const setup = () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new PreciseStartTimeProcessor(new AnchoredClock()), new SimpleSpanProcessor(exporter)],
    });
    return { exporter, tracer: provider.getTracer('test') };
  };

  test('the SDK span still has the private fields this processor reads (pinned sdk-trace)', () => {
    const { tracer } = setup();
    const span = tracer.startSpan('probe') as unknown as { _performanceStartTime: unknown; _startTimeProvided: unknown; end(): void };
    assert.equal(typeof span._performanceStartTime, 'number');
    assert.equal(span._startTimeProvided, false);
    span.end();
  });

  test('start times are no longer whole milliseconds, and a child lies inside its parent', async () => {
    const { exporter, tracer } = setup();
    for (let i = 0; i < 20; i++) {
      const parent = tracer.startSpan('parent');
      const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), parent));
      await new Promise((resolve) => setImmediate(resolve));
      child.end();
      parent.end();
    }
    const spans = exporter.getFinishedSpans();
    assert.ok(
      spans.some((s) => s.startTime[1] % 1e6 !== 0),
      'sub-millisecond starts',
    );
    for (let i = 0; i < spans.length; i += 2) {
      const [child, parent] = [spans[i]!, spans[i + 1]!];
      assert.ok(toMs(child.startTime) >= toMs(parent.startTime), 'child starts after its parent');
      assert.ok(toMs(child.endTime) <= toMs(parent.endTime), 'child ends before its parent');
      assert.ok(Math.abs(toMs(parent.startTime) - Date.now()) < 1_000, 'wall-clock time');
    }
  });

  test('a start time given by the caller is kept', () => {
    const { exporter, tracer } = setup();
    const given = Date.now() - 5_000;
    tracer.startSpan('backdated', { startTime: given }).end();
    assert.equal(toMs(exporter.getFinishedSpans()[0]!.startTime), given);
  });
});
