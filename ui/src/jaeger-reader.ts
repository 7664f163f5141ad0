/** What every page that reads Jaeger shares (JaegerReader): one client with the UI's timeout, and Jaeger's failures as the 503 page. */
import { JaegerClient } from '@paytrace/trace-analysis';
import { jaegerUnavailable } from './errors.js';

export interface JaegerReaderOptions {
  jaegerUrl: string;
  timeoutMs: number;
}

export abstract class JaegerReader {
  protected readonly jaeger: JaegerClient;

  constructor(protected readonly options: JaegerReaderOptions) {
    this.jaeger = new JaegerClient(options.jaegerUrl, { timeoutMs: options.timeoutMs });
  }

  get jaegerUrl(): string {
    return this.options.jaegerUrl;
  }

  /** Runs a Jaeger call; a failure (refused, timed out, an error answer) becomes the "Jaeger unavailable" page. */
  protected async ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw jaegerUnavailable(this.options.jaegerUrl, err);
    }
  }
}
