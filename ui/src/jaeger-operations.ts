/**
 * A service's operations (span names) from Jaeger's query API, for the search form's picker:
 * JaegerClient (trace-analysis) has no call for them, so the UI asks
 * `/api/services/{service}/operations` itself.
 */
export class JaegerOperations {
  constructor(private readonly options: { jaegerUrl: string; timeoutMs: number }) {}

  /** The span names Jaeger has seen for the service, sorted; none for a service it does not know. */
  async operations(service: string): Promise<string[]> {
    const res = await fetch(`${this.options.jaegerUrl}/api/services/${encodeURIComponent(service)}/operations`, {
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for the operations of ${service}`);
    const body = (await res.json()) as { data: string[] | null };
    return [...(body.data ?? [])].sort();
  }
}
