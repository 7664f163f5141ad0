/** Runs the traffic mix with the project's Vegeta: its JSON targets, its results parsed into a LoadResult. */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { LoadRunOptions } from './generator.js';
import { summariseRecords, type LoadResult, type RequestRecord } from './load-result.js';
import { concurrency, requestAt } from './traffic-mix.js';

/**
 * Vegeta's targets for the first `count` requests of the traffic mix, one JSON line each (its
 * `-format=json`). Each has an Idempotency-Key of its own. The URL's fragment is the request's
 * index in the mix: it never goes on the wire, and Vegeta copies the URL into the request's
 * result, so each result says which kind of request it answers.
 */
export function vegetaTargets(gatewayUrl: string, count: number, runId: string): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const { apiKey, body } = requestAt(i);
    const target = {
      method: 'POST',
      url: `${gatewayUrl}/process-payment#${i}`,
      header: { 'Content-Type': ['application/json'], Authorization: [`Bearer ${apiKey}`], 'Idempotency-Key': [`vegeta-${runId}-${i}`] },
      body: Buffer.from(JSON.stringify(body)).toString('base64'),
    };
    lines.push(JSON.stringify(target));
  }
  return `${lines.join('\n')}\n`;
}

/** One line of `vegeta encode --to json`: the fields read here. */
interface VegetaResult {
  seq: number;
  code: number;
  /** RFC 3339 with nanoseconds: when the request went out. */
  timestamp: string;
  /** Nanoseconds until the whole answer was read (or the error). */
  latency: number;
  url: string;
  headers: Record<string, string[]> | null;
}

/** Per-request records from Vegeta's JSON results of an attack at `rate`; and how long sending took. */
export function parseVegetaResults(jsonLines: string, rate: number): { records: RequestRecord[]; sendSpanS: number } {
  const results = jsonLines
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as VegetaResult)
    .sort((a, b) => a.seq - b.seq);
  if (results.length === 0) return { records: [], sendSpanS: 0 };
  // Vegeta's pacer sends request k at (k + 1)/rate after the start: lateness is against the first.
  const first = Date.parse(results[0]!.timestamp);
  let last = first;
  const records = results.map((r): RequestRecord => {
    const sentAt = Date.parse(r.timestamp);
    last = Math.max(last, sentAt);
    const { kind, expectedStatus } = requestAt(Number(r.url.slice(r.url.lastIndexOf('#') + 1)));
    const traceresponse = r.headers?.Traceresponse?.[0]; // 00-<trace id>-<span id>-<flags>
    return {
      kind,
      expectedStatus,
      status: r.code,
      latencyMs: r.latency / 1e6,
      lateMs: sentAt - first - (r.seq * 1000) / rate,
      sampled: traceresponse ? (parseInt(traceresponse.slice(-2), 16) & 1) === 1 : undefined,
    };
  });
  return { records, sendSpanS: (last - first) / 1000 };
}

/** Vegeta's -rate: requests per time unit, whole numbers only (12.5/s is 12500/1000s). */
const rateFlag = (rate: number) => (Number.isInteger(rate) ? `${rate}/1s` : `${Math.round(rate * 1000)}/1000s`);

/**
 * Sends the traffic mix at a constant arrival rate with Vegeta (`vegeta attack`: an open model,
 * each request due at its slot whatever the earlier ones are doing), then reads every request's
 * status, latency and traceresponse header from its results. Leaves `<name>.json` (the figures)
 * in the work folder; the targets and raw results are removed (megabytes per run).
 */
export async function runVegeta(vegeta: string, options: LoadRunOptions): Promise<LoadResult> {
  // Vegeta reads -duration=0 as "forever".
  if (!(options.rate > 0) || !(options.seconds > 0)) throw new Error('runVegeta needs a rate > 0 and a duration > 0');
  const file = (suffix: string) => join(options.workDir, `${options.name}${suffix}`);
  const scheduled = Math.floor(options.rate * options.seconds);
  // Vegeta sends at most rate × seconds + 1 requests; with as many targets it never wraps around
  // to the first one again (whose Idempotency-Key would make the gateway replay its answer).
  writeFileSync(file('.targets'), vegetaTargets(options.gatewayUrl, scheduled + 2, randomUUID()));
  const { initial, max } = concurrency(options.rate);
  try {
    const attack = execa(
      vegeta,
      [
        'attack',
        '-format=json',
        `-targets=${file('.targets')}`,
        `-rate=${rateFlag(options.rate)}`,
        `-duration=${Math.round(options.seconds * 1000)}ms`,
        `-workers=${initial}`,
        `-max-workers=${max}`,
        '-timeout=60s', // k6's default, so a slow answer counts the same under either generator
        '-max-body=0', // status, latency and headers are what is read; the bodies are discarded
        `-output=${file('.bin')}`,
      ],
      { reject: false, stdin: 'ignore' },
    );
    if (attack.pid !== undefined) options.onProcess?.(attack.pid);
    const attacked = await attack;
    if (attacked.exitCode !== 0) throw new Error(`vegeta attack failed (${attacked.shortMessage}):\n${attacked.stderr}`);
    const encoded = await execa(vegeta, ['encode', '--to', 'json', `--output=${file('.results.json')}`, file('.bin')], {
      reject: false,
      stdin: 'ignore',
    });
    if (encoded.exitCode !== 0) throw new Error(`vegeta encode failed (${encoded.shortMessage}):\n${encoded.stderr}`);
    const { records, sendSpanS } = parseVegetaResults(readFileSync(file('.results.json'), 'utf8'), options.rate);
    const result = summariseRecords('vegeta', records, { scheduled, sendSpanS });
    writeFileSync(file('.json'), JSON.stringify(result, null, 2));
    return result;
  } finally {
    for (const suffix of ['.targets', '.bin', '.results.json']) rmSync(file(suffix), { force: true });
  }
}
