/**
 * Sums the samples of one Prometheus metric (all label sets), from the text exposition format.
 * Counters are matched with or without the `_total` suffix: Collector releases differ (Jaeger
 * v2.13 embeds an older Collector core that adds it, v0.160 does not).
 */
export function promSum(text: string, metric: string, labelFilter?: (labels: string) => boolean): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || (match[1] !== metric && match[1] !== `${metric}_total`)) continue;
    if (labelFilter && !labelFilter(match[3] ?? '')) continue;
    sum += Number(match[4]);
  }
  return sum;
}

export async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}
