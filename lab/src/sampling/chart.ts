/**
 * The sampling lab's chart, declared in Vega-Lite and rendered to SVG here (no browser): latency
 * percentiles per configuration, and what each configuration costs against the SDK-off baseline.
 * Vega-Lite lays out axes, titles and labels, so nothing is drawn over anything else.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';

export interface ChartInput {
  label: string;
  latency_ms: { p50: number; p95: number; p99: number };
  ratio_to_baseline: { achieved_rps: number; cpu_ms_per_request: { services: number; machine: number } };
  max_throughput_rps?: number;
}

export interface ChartMeta {
  rate: number;
  durationS: number;
  rounds: number;
  /** The load generator that measured the latency. */
  generator?: string;
}

/** The Vega-Lite specification of the chart (exported for tests and for anyone who wants it interactive). */
export function chartSpec(configs: ChartInput[], meta: ChartMeta): TopLevelSpec {
  const order = configs.map((c) => c.label);
  const base = configs[0];
  const hasMax = configs.every((c) => c.max_throughput_rps !== undefined) && (base?.max_throughput_rps ?? 0) > 0;
  const throughputName = hasMax ? 'max sustained throughput' : 'achieved throughput';
  const latency = configs.flatMap((c) =>
    (['p50', 'p95', 'p99'] as const).map((p) => ({ configuration: c.label, percentile: p, ms: c.latency_ms[p] })),
  );
  const ratios = configs.flatMap((c) => [
    {
      configuration: c.label,
      measure: throughputName,
      ratio: hasMax ? c.max_throughput_rps! / base!.max_throughput_rps! : c.ratio_to_baseline.achieved_rps,
    },
    { configuration: c.label, measure: 'service CPU per request', ratio: c.ratio_to_baseline.cpu_ms_per_request.services },
    { configuration: c.label, measure: 'machine CPU per request', ratio: c.ratio_to_baseline.cpu_ms_per_request.machine },
  ]);
  const finite = <T extends Record<string, unknown>>(rows: T[], key: keyof T) => rows.filter((r) => Number.isFinite(r[key] as number));
  const measures = [throughputName, 'service CPU per request', 'machine CPU per request'];
  // labelLimit 0: whole labels (the default cuts them at 180 px).
  const configurationAxis = {
    field: 'configuration',
    type: 'nominal',
    sort: order,
    title: 'configuration',
    axis: { labelAngle: -25, labelLimit: 0 },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `paytrace sampling lab: ${meta.rate} req/s, ${meta.durationS} s × ${meta.rounds} round(s), medians`, fontSize: 15 },
    background: 'white',
    config: { font: 'sans-serif', view: { stroke: null } },
    // Each panel has its own colours and legend.
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    vconcat: [
      {
        title: `Latency of POST /process-payment${meta.generator ? ` (${meta.generator})` : ''}`,
        width: 760,
        height: 260,
        data: { values: finite(latency, 'ms') },
        // No value labels here: close percentiles would print over each other. The table has the numbers.
        mark: { type: 'line', point: true },
        encoding: {
          x: configurationAxis,
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
          color: { field: 'percentile', type: 'nominal', title: 'percentile', scale: { range: ['#2b7bba', '#f39c12', '#c0392b'] } },
        },
      },
      {
        title: 'Cost against the SDK-off baseline (1.0 = no cost)',
        width: 760,
        height: 220,
        layer: [
          {
            data: { values: finite(ratios, 'ratio') },
            layer: [
              { mark: 'bar' },
              {
                mark: { type: 'text', dy: -6, fontSize: 9 },
                encoding: { text: { field: 'ratio', type: 'quantitative', format: '.2f' }, color: { value: '#222' } },
              },
            ],
            encoding: {
              x: configurationAxis,
              xOffset: { field: 'measure', type: 'nominal', sort: measures },
              y: { field: 'ratio', type: 'quantitative', title: '× baseline' },
              color: {
                field: 'measure',
                type: 'nominal',
                title: 'measure',
                sort: measures,
                scale: { range: ['#2b7bba', '#7f7f7f', '#c7c7c7'] },
                legend: { labelLimit: 0 },
              },
            },
          },
          { data: { values: [{ one: 1 }] }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { y: { field: 'one', type: 'quantitative' } } },
        ],
      },
    ],
  };
}

export async function renderChart(configs: ChartInput[], meta: ChartMeta): Promise<string> {
  const view = new View(parse(compile(chartSpec(configs, meta)).spec), { renderer: 'none' });
  return view.toSVG();
}
