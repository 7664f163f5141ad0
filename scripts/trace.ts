/**
 * `npm run trace -- <trace_id>`: one trace from Jaeger's HTTP API, drawn as a waterfall in the
 * terminal (the lesson's Gantt chart) with the critical path marked, and the detective's answer
 * to "which part should I speed up first?".
 *
 *   npm run trace -- 4bf92f3577b34da6a3ce929d0e0e4736          # hops, SQL and the Stripe call
 *   npm run trace -- 4bf92f3577b34da6a3ce929d0e0e4736 --all    # every span, Fastify's included
 *   npm run trace -- <id> --format mermaid                     # a Mermaid gantt block for Markdown
 *   JAEGER_URL=http://localhost:16686 npm run trace -- <id>    # another Jaeger (e.g. compose)
 */
import { parseArgs } from 'node:util';
import { JaegerClient, TRACE_ID, mermaidFence, toMermaidGantt, renderWaterfall } from '@paytrace/trace-analysis';
import { runCli, stackPorts, UsageError } from '@paytrace/devstack';

await runCli('usage: npm run trace -- <trace_id (32 hex digits)> [--all] [--format text|mermaid]', async () => {
  const { values: options, positionals } = parseArgs({
    allowPositionals: true,
    options: { all: { type: 'boolean', default: false }, format: { type: 'string', default: 'text' } },
  });
  if (options.format !== 'text' && options.format !== 'mermaid') throw new UsageError(`--format is text or mermaid, not "${options.format}"`);
  const traceId = positionals[0];
  if (!traceId || !TRACE_ID.test(traceId)) throw new UsageError('a trace id is 32 lower-case hex digits');
  const jaeger = new JaegerClient(process.env.JAEGER_URL ?? `http://127.0.0.1:${stackPorts().jaegerQuery}`);
  // Spans reach Jaeger a few seconds after the request (the SDK exports in batches every
  // OTEL_BSP_SCHEDULE_DELAY, 5 s by default), so a fresh trace is waited for until it stops growing.
  const spans = await jaeger.waitForTrace(traceId, { timeoutMs: 15_000 }).catch((err: Error) => {
    console.error(`Jaeger at ${jaeger.baseUrl} has no complete trace ${traceId} (not sampled, evicted, or Jaeger not running): ${err.message}`);
    process.exit(1);
  });
  if (options.format === 'mermaid') {
    console.log(mermaidFence(toMermaidGantt(spans, { all: options.all })));
    return;
  }
  const width = Math.max(20, Math.min(60, (process.stdout.columns ?? 120) - 80));
  console.log(renderWaterfall(traceId, spans, { all: options.all, width }).join('\n'));
});
