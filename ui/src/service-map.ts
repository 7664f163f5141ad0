/**
 * What /map reads (ServiceMapSource): Jaeger's traces of the window, searched per service in slices
 * and turned into trace-analysis's serviceMap; a Jaeger failure becomes its error page.
 */
import { JaegerClient, serviceMap, sliceWeight, type MapSample, type ServiceMap, type TraceSpan } from '@paytrace/trace-analysis';
import type { RouteRef } from '@paytrace/metrics-analysis';
import { jaegerUnavailable } from './errors.js';

/**
 * How much one map reads: each service's window cut into `slices`, each giving its newest
 * `perSlice` traces (Jaeger returns whole traces, so this bounds the page's time), for at most
 * `maxServices` services: (1 + maxServices × slices) Jaeger calls and maxServices × slices ×
 * perSlice traces at most (4 services: 17 calls, ≤ 400 traces).
 */
export const MAP_SAMPLE = { slices: 4, perSlice: 25, maxServices: 8 } as const;

export interface MapReading {
  map: ServiceMap;
  fromMs: number;
  toMs: number;
  /** The services searched (all of Jaeger's, or the route's). */
  services: string[];
  /** Jaeger calls this page made. */
  jaegerCalls: number;
  /** Traces Jaeger returned, counted once per search that returned them. */
  tracesRead: number;
  /** Some slice hit its limit: its calls were scaled up by the part of the slice its traces covered. */
  scaled: boolean;
  /** Jaeger knew more services than maxServices: the rest were not searched. */
  servicesCut: string[];
}

export class ServiceMapSource {
  private readonly jaeger: JaegerClient;

  constructor(private readonly options: { jaegerUrl: string; timeoutMs: number }) {
    this.jaeger = new JaegerClient(options.jaegerUrl, { timeoutMs: options.timeoutMs });
  }

  private async ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw jaegerUnavailable(this.options.jaegerUrl, err);
    }
  }

  /**
   * The map of the window ending `settleMs` ago (newer traces may still lack spans). With a route,
   * only that route's traces (its service's spans of that name) are read and every call in them counts.
   */
  async read(options: { windowMs: number; settleMs: number; route?: RouteRef | undefined }): Promise<MapReading> {
    const toMs = Date.now() - options.settleMs;
    const fromMs = toMs - options.windowMs;
    const known = options.route ? [options.route.service] : [...(await this.ask(() => this.jaeger.services()))].sort();
    const services = known.slice(0, MAP_SAMPLE.maxServices);
    const operation = options.route ? `${options.route.method} ${options.route.route}` : undefined;
    const sliceMs = options.windowMs / MAP_SAMPLE.slices;
    const searches = services.flatMap((service) =>
      Array.from({ length: MAP_SAMPLE.slices }, (_, i) => ({
        service,
        ...(operation ? { operation } : {}),
        fromMs: fromMs + i * sliceMs,
        toMs: fromMs + (i + 1) * sliceMs,
        limit: MAP_SAMPLE.perSlice,
      })),
    );
    const found = await this.ask(() => Promise.all(searches.map((search) => this.jaeger.searchTraces(search))));
    // A trace on two slices' boundary comes back from both: count it once per service.
    const seen = new Set<string>();
    const samples: MapSample[] = searches.map((search, i) => {
      const traces = found[i]!.filter((spans: TraceSpan[]) => {
        const key = `${search.service}\u0000${spans[0]?.traceId}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return { ...(operation ? {} : { service: search.service }), traces, weight: sliceWeight(found[i]!, search) };
    });
    return {
      map: serviceMap(samples, { windowMs: options.windowMs }),
      fromMs,
      toMs,
      services,
      jaegerCalls: searches.length + (options.route ? 0 : 1),
      tracesRead: found.reduce((n, traces) => n + traces.length, 0),
      scaled: samples.some((s) => (s.weight ?? 1) > 1),
      servicesCut: known.slice(MAP_SAMPLE.maxServices),
    };
  }
}
