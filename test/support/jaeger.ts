import { JaegerClient, type TraceSpan } from '@paytrace/trace-analysis';
import { jaegerUrl } from './env.js';

export { describeTrace, type TraceSpan } from '@paytrace/trace-analysis';

/** The Jaeger that `npm test` started. */
export const jaeger = new JaegerClient(jaegerUrl);

export const getTrace = (traceId: string): Promise<TraceSpan[] | undefined> => jaeger.getTrace(traceId);
export const waitForTrace = (traceId: string, options?: { minSpans?: number; timeoutMs?: number }): Promise<TraceSpan[]> =>
  jaeger.waitForTrace(traceId, options);
export const jaegerServices = (): Promise<string[]> => jaeger.services();
