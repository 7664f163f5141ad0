/**
 * How fast the UI's pages load, against a running stack (`npm run stack`): one fresh payment,
 * then each page loaded `rounds` times, interleaved (A B C A B C …), in Chromium (navigation
 * start → load event, as a reader waits) and by a plain HTTP client (the server's share: Jaeger's
 * answer, the analysis, the rendering).
 */
import { JaegerClient, quantileWithCi } from '@paytrace/trace-analysis';
import { launchChromium } from '@paytrace/devstack/browser';
import { sendRequest } from '../load/drive-payments.js';

export interface PageBenchOptions {
  uiUrl: string;
  gatewayUrl: string;
  jaegerUrl: string;
  rounds: number;
}

export interface PageTiming {
  page: string;
  /** ms, one per round */
  browserLoad: number[];
  server: number[];
}

export interface PageBenchResult {
  traceId: string;
  spans: number;
  pages: PageTiming[];
}

async function pay(gatewayUrl: string): Promise<string> {
  const answer = await sendRequest({
    gatewayUrl,
    apiKey: 'test_key_alice',
    amount: 100,
    description: 'page bench',
    idempotencyKey: `bench-${Date.now()}`,
  });
  if (answer.status !== 201 || !answer.traceId) throw new Error(`the payment answered ${answer.status}${answer.error ? `: ${answer.error}` : ''}`);
  return answer.traceId;
}

export async function runPageBench(options: PageBenchOptions, progress: (line: string) => void = () => undefined): Promise<PageBenchResult> {
  const traceId = await pay(options.gatewayUrl);
  const spans = await new JaegerClient(options.jaegerUrl).waitForTrace(traceId, { timeoutMs: 30_000 });
  const pages = [`/trace/${traceId}`, `/trace/${traceId}?all=1`, '/', '/faults', '/lab'];
  const timings: PageTiming[] = pages.map((page) => ({ page, browserLoad: [], server: [] }));
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    for (let round = 0; round < options.rounds; round++) {
      progress(`round ${round + 1}/${options.rounds}`);
      for (const timing of timings) {
        const url = `${options.uiUrl}${timing.page}`;
        const started = performance.now();
        const res = await fetch(url);
        await res.text();
        timing.server.push(performance.now() - started);
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        await tab.goto(url, { waitUntil: 'load' });
        timing.browserLoad.push(await tab.evaluate(() => performance.getEntriesByType('navigation')[0]!.duration));
      }
    }
  } finally {
    await browser.close();
  }
  return { traceId, spans: spans.length, pages: timings };
}

/** The table: median and p95 per page, each way. */
export function pageBenchReport(result: PageBenchResult, rounds: number): string[] {
  const q = (xs: number[], p: number) =>
    quantileWithCi(
      [...xs].sort((a, b) => a - b),
      p,
    )?.estimate ?? NaN;
  const cell = (xs: number[]) => `${q(xs, 0.5).toFixed(1)} / ${q(xs, 0.95).toFixed(1)}`;
  return [
    `trace ${result.traceId}: ${result.spans} spans; ${rounds} rounds, pages interleaved; ms, median / p95`,
    '',
    '| page | in Chromium: navigation → load | server: request → whole body |',
    '| --- | ---: | ---: |',
    ...result.pages.map((p) => `| ${p.page.replace(result.traceId, '<id>')} | ${cell(p.browserLoad)} | ${cell(p.server)} |`),
  ];
}
