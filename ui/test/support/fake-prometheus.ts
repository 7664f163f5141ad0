/**
 * A fake Prometheus HTTP API on 127.0.0.1 for the UI's tests: /api/v1/query, query_range and
 * query_exemplars answered in Prometheus's JSON shapes by a function of the query, every request
 * recorded.
 */
import { createServer, type Server } from 'node:http';

/** What one query answers: a value per series (labels), or exemplars. */
export interface FakeAnswer {
  series?: Array<{ labels: Record<string, string>; value: number }>;
  exemplars?: Array<{ traceId: string; seconds: number; ms: number }>;
}

export class FakePrometheus {
  asked: URLSearchParams[] = [];
  private server: Server | undefined;
  url = '';

  /** `answer(query)`: the series (a range query repeats each value at every step) or the exemplars. */
  constructor(private readonly answer: (query: string) => FakeAnswer) {}

  async start() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://prometheus');
      this.asked.push(url.searchParams);
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: body }));
      const answer = this.answer(url.searchParams.get('query') ?? '');
      const series = answer.series ?? [];
      if (url.pathname === '/api/v1/query') {
        const time = Number(url.searchParams.get('time') ?? Date.now() / 1000);
        return json({ resultType: 'vector', result: series.map((s) => ({ metric: s.labels, value: [time, String(s.value)] })) });
      }
      if (url.pathname === '/api/v1/query_range') {
        const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(url.searchParams.get(k)));
        const times = Array.from({ length: Math.floor((end! - start!) / step!) + 1 }, (_, i) => start! + i * step!);
        return json({ resultType: 'matrix', result: series.map((s) => ({ metric: s.labels, values: times.map((t) => [t, String(s.value)]) })) });
      }
      if (url.pathname === '/api/v1/query_exemplars') {
        const exemplars = answer.exemplars ?? [];
        return json(
          exemplars.length === 0
            ? []
            : [
                {
                  seriesLabels: { __name__: 'traces_span_metrics_duration_milliseconds_bucket', le: '100' },
                  exemplars: exemplars.map((e) => ({
                    labels: { trace_id: e.traceId, span_id: '0'.repeat(16) },
                    value: String(e.ms),
                    timestamp: e.seconds,
                  })),
                },
              ],
        );
      }
      return res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop() {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
