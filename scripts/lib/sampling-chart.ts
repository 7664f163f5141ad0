/** The sampling lab's chart: an SVG a browser opens, with no library behind it. */
interface ChartInput {
  label: string;
  latency_ms: { p50: number; p95: number; p99: number };
  ratio_to_baseline: { achieved_rps: number; cpu_seconds_services: number };
  max_throughput_rps?: number;
}

export function renderChart(configs: ChartInput[], meta: { rate: number; durationS: number; rounds: number }): string {
  const W = 960;
  const H = 620;
  const left = 70;
  const plotW = W - left - 40;
  const colW = plotW / configs.length;
  const x = (i: number) => left + colW * (i + 0.5);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">paytrace sampling lab: ${meta.rate} req/s, ${meta.durationS} s × ${meta.rounds} round(s)</text>`);

  // Panel 1: latency percentiles (k6, payments that succeeded).
  const top1 = 50;
  const h1 = 280;
  const maxLatency = Math.max(1, ...configs.flatMap((c) => [c.latency_ms.p99].filter(Number.isFinite)));
  const y1 = (v: number) => top1 + h1 - (v / (maxLatency * 1.1)) * h1;
  out.push(`<text x="${left}" y="${top1 - 8}" font-size="13">Latency of POST /process-payment (ms, k6)</text>`);
  out.push(`<line x1="${left}" y1="${top1 + h1}" x2="${left + plotW}" y2="${top1 + h1}" stroke="#333"/>`);
  for (let t = 0; t <= 4; t++) {
    const v = (maxLatency * 1.1 * t) / 4;
    out.push(`<text x="${left - 8}" y="${y1(v) + 4}" text-anchor="end" fill="#555">${v.toFixed(0)}</text><line x1="${left}" y1="${y1(v)}" x2="${left + plotW}" y2="${y1(v)}" stroke="#eee"/>`);
  }
  const series: Array<['p50' | 'p95' | 'p99', string]> = [['p50', '#2b7bba'], ['p95', '#f39c12'], ['p99', '#c0392b']];
  for (const [key, color] of series) {
    const pts = configs.map((c, i) => [x(i), y1(c.latency_ms[key])] as const).filter(([, y]) => Number.isFinite(y));
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of pts) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="4" fill="${color}"/>`);
  }
  series.forEach(([key, color], i) => out.push(`<rect x="${left + plotW - 200 + i * 65}" y="${top1 - 20}" width="12" height="12" fill="${color}"/><text x="${left + plotW - 184 + i * 65}" y="${top1 - 10}">${key}</text>`));

  // Panel 2: throughput (max sustained rate if measured, else achieved) and CPU, as ratios to the baseline.
  const top2 = top1 + h1 + 70;
  const h2 = 150;
  const hasMax = configs.every((c) => c.max_throughput_rps !== undefined);
  const base = configs[0]!;
  const throughput = (c: ChartInput) => (hasMax ? (c.max_throughput_rps ?? 0) / Math.max(1, base.max_throughput_rps ?? 1) : c.ratio_to_baseline.achieved_rps);
  const maxRatio = Math.max(1.2, ...configs.map((c) => Math.max(throughput(c), c.ratio_to_baseline.cpu_seconds_services)).filter(Number.isFinite));
  const y2 = (v: number) => top2 + h2 - (v / maxRatio) * h2;
  out.push(`<text x="${left}" y="${top2 - 8}" font-size="13">Ratio to the SDK-disabled baseline: ${hasMax ? 'max sustained throughput' : 'achieved throughput'} (blue), service CPU seconds (grey)</text>`);
  out.push(`<line x1="${left}" y1="${y2(1)}" x2="${left + plotW}" y2="${y2(1)}" stroke="#333" stroke-dasharray="4 3"/><text x="${left - 8}" y="${y2(1) + 4}" text-anchor="end">1.0</text>`);
  out.push(`<line x1="${left}" y1="${top2 + h2}" x2="${left + plotW}" y2="${top2 + h2}" stroke="#333"/>`);
  configs.forEach((c, i) => {
    const bw = colW * 0.3;
    const t = throughput(c);
    const cpu = c.ratio_to_baseline.cpu_seconds_services;
    if (Number.isFinite(t)) out.push(`<rect x="${x(i) - bw - 2}" y="${y2(t)}" width="${bw}" height="${top2 + h2 - y2(t)}" fill="#2b7bba"/><text x="${x(i) - bw / 2 - 2}" y="${y2(t) - 4}" text-anchor="middle" font-size="10">${t.toFixed(2)}</text>`);
    if (Number.isFinite(cpu)) out.push(`<rect x="${x(i) + 2}" y="${y2(cpu)}" width="${bw}" height="${top2 + h2 - y2(cpu)}" fill="#999"/><text x="${x(i) + bw / 2 + 2}" y="${y2(cpu) - 4}" text-anchor="middle" font-size="10">${cpu.toFixed(2)}</text>`);
    out.push(`<text x="${x(i)}" y="${top2 + h2 + 18}" text-anchor="middle">${esc(c.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
