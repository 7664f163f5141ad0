/**
 * What /map reads (ServiceMapSource): Jaeger's traces of the window, searched per service in slices
 * and turned into trace-analysis's serviceMap; a Jaeger failure becomes its error page.
 */
import {
  earliestStartMs,
  serviceMap,
  type MapEdge,
  type MapSample,
  type ServiceMap,
  type TraceSearch,
  type TraceSpan,
} from '@paytrace/trace-analysis';
import type { RouteRef } from '@paytrace/metrics-analysis';
import { JaegerReader } from './jaeger-reader.js';

/**
 * How much one map reads. Each service's window is cut into `slices` searched at once; each slice
 * is read a page of `perPage` traces at a time, each page ending where the last reached back to,
 * until a page is not full (the slice read whole) or for at most `pages` pages (Jaeger returns
 * whole traces, so this bounds the page's time). A slice not read whole makes its service's counts
 * a floor: Jaeger's search returns no total, and which traces a full page holds depends on when
 * they were stored, so no extrapolation from the pages is sound (one measured 40–45% of the true
 * rate); the SDKs' metrics give the rate then (map-metrics.ts). At most `maxServices` services. The worst case:
 * 1 + maxServices × slices × pages Jaeger calls and maxServices × slices × pages × perPage traces
 * (4 services: 33 calls, 800 traces); a quiet window costs 1 + services × slices.
 */
export const MAP_SAMPLE = { slices: 4, perPage: 25, pages: 2, maxServices: 8 } as const;

export interface MapReading {
  map: ServiceMap;
  fromMs: number;
  toMs: number;
  /** The services searched (all of Jaeger's, or the route's). */
  services: string[];
  /** Jaeger calls this page made. */
  jaegerCalls: number;
  /** Traces Jaeger returned, counted once per service whose search returned them (a trace is in each of its services' searches). */
  tracesRead: number;
  /** Services with a slice that held more traces than its pages read: their edges' counts are floors. */
  partialServices: string[];
  /** Jaeger knew more services than maxServices: the rest were not searched. */
  servicesCut: string[];
}

export class ServiceMapSource extends JaegerReader {
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
      })),
    );
    const read = await this.ask(() => Promise.all(searches.map((search) => this.readSlice(search))));
    // A trace on two slices' boundary comes back from both: count it once per service.
    const seen = new Set<string>();
    const samples: MapSample[] = read.map((slice, i) => ({
      ...(operation ? {} : { service: searches[i]!.service }),
      traces: slice.traces.filter((spans) => {
        const key = `${searches[i]!.service}\u0000${spans[0]?.traceId}`;
        return seen.has(key) ? false : Boolean(seen.add(key));
      }),
    }));
    return {
      map: serviceMap(samples, { windowMs: options.windowMs }),
      fromMs,
      toMs,
      services,
      jaegerCalls: read.reduce((n, slice) => n + slice.calls, options.route ? 0 : 1),
      tracesRead: samples.reduce((n, sample) => n + sample.traces.length, 0),
      partialServices: [...new Set(searches.filter((_, i) => !read[i]!.whole).map((search) => search.service))],
      servicesCut: known.slice(MAP_SAMPLE.maxServices),
    };
  }

  /**
   * One slice, a page at a time: each next page ends where the last one reached back
   * to (the earliest span of the service searched), until a page comes back below its limit or the
   * pages run out. Only a first page below its limit is the whole slice: a full page is some of the
   * slice's traces, in the store's order, so later pages (of the part before it reached) can miss
   * traces after it.
   */
  private async readSlice(search: TraceSearch): Promise<{ traces: TraceSpan[][]; calls: number; whole: boolean }> {
    const traces = new Map<string, TraceSpan[]>();
    let toMs = search.toMs;
    for (let page = 1; ; page++) {
      const found = await this.jaeger.searchTraces({ ...search, toMs, limit: MAP_SAMPLE.perPage });
      let fresh = 0;
      for (const spans of found) {
        const id = spans[0]?.traceId;
        if (id !== undefined && !traces.has(id)) {
          traces.set(id, spans);
          fresh++;
        }
      }
      if (found.length < MAP_SAMPLE.perPage) return { traces: [...traces.values()], calls: page, whole: page === 1 };
      const reached = earliestStartMs(found, search.service) ?? search.fromMs;
      // A page of nothing new (more traces than a page starting at one instant) cannot move back.
      if (page >= MAP_SAMPLE.pages || fresh === 0 || reached <= search.fromMs) {
        return { traces: [...traces.values()], calls: page, whole: false };
      }
      toMs = reached;
    }
  }
}

/** Whether an edge's count from the traces is a floor: its calls were counted from a service whose search was not read whole. */
export const isFloor = (edge: MapEdge, reading: Pick<MapReading, 'partialServices'>): boolean =>
  reading.partialServices.includes(edge.search.service);
