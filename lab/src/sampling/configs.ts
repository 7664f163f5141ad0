/** The sampling lab's configurations (SDK off, traceidratio 0 to 1, tail sampling) and their selection on the command line. */
import { UsageError, parseNamedAssignments } from '@paytrace/devstack';

/** One way of running the stack. */
export interface LabConfig {
  id: string;
  label: string;
  /** The SDK's sampling probability (null: SDK off). */
  sdkRatio: number | null;
  serviceEnv: NodeJS.ProcessEnv;
  collectorEnv: NodeJS.ProcessEnv;
  /** The Collector tier with this many tail-sampling Collectors behind a router (default: one Collector). */
  collectors?: number;
  /** A --variant's: the configuration it adds environment to (its A/B partner). */
  baseId?: string;
}

const TAIL_COLLECTOR_ENV = { OTELCOL_TRACES_PROCESSORS: '[memory_limiter, tail_sampling, batch]', OTELCOL_TAIL_DECISION_WAIT: '1s' };
const ratio = (r: number): NodeJS.ProcessEnv => ({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(r) });
export const CONFIGS: LabConfig[] = [
  { id: 'sdk-off', label: 'SDK disabled (baseline)', sdkRatio: null, serviceEnv: { OTEL_SDK_DISABLED: 'true' }, collectorEnv: {} },
  { id: 'ratio-0', label: 'traceidratio 0', sdkRatio: 0, serviceEnv: ratio(0), collectorEnv: {} },
  { id: 'ratio-0.01', label: 'traceidratio 0.01 (1%)', sdkRatio: 0.01, serviceEnv: ratio(0.01), collectorEnv: {} },
  { id: 'ratio-0.1', label: 'traceidratio 0.1 (10%)', sdkRatio: 0.1, serviceEnv: ratio(0.1), collectorEnv: {} },
  { id: 'ratio-1', label: 'traceidratio 1 (100%)', sdkRatio: 1, serviceEnv: ratio(1), collectorEnv: {} },
  {
    id: 'tail',
    label: 'tail: errors + slow + 10%',
    sdkRatio: 1,
    serviceEnv: ratio(1),
    collectorEnv: TAIL_COLLECTOR_ENV,
  },
];

/** Run only when --only names them (a full lab run stays as it was). */
export const OPT_IN_CONFIGS: LabConfig[] = [
  {
    // The same policies in two samplers behind a router (docs/collector-tier.md): what the tier costs.
    id: 'tail-tier-2',
    label: 'tail through a Collector tier of 2',
    sdkRatio: 1,
    serviceEnv: ratio(1),
    collectorEnv: TAIL_COLLECTOR_ENV,
    collectors: 2,
  },
];

/**
 * The configurations of this run: --only picks among CONFIGS; each --variant adds one that is a
 * configuration of CONFIGS (100% sampling unless `name@id` names another) plus some environment.
 */
export function selectConfigs(selection: { only?: string[] | undefined; variants: string[] }): LabConfig[] {
  const only = selection.only;
  const known = [...CONFIGS, ...OPT_IN_CONFIGS];
  const chosen = only ? known.filter((c) => only.includes(c.id)) : [...CONFIGS];
  if (only && chosen.length !== only.length) throw new UsageError(`--only: known configurations are ${known.map((c) => c.id).join(', ')}`);
  if (!chosen.some((c) => c.id === 'sdk-off')) chosen.unshift(CONFIGS[0]!); // every ratio needs its baseline
  for (const spec of selection.variants) {
    const { name: head, env } = parseNamedAssignments(spec);
    const [name, baseId = 'ratio-1'] = head.split('@');
    const base = CONFIGS.find((c) => c.id === baseId);
    if (!name || !base || base.id === 'sdk-off') {
      throw new UsageError(
        `--variant ${spec}: expected name[@configuration]:KEY=value[,KEY=value], the configuration one of ${CONFIGS.slice(1)
          .map((c) => c.id)
          .join(', ')}`,
      );
    }
    // OTELCOL_* variables are the Collector's (its configuration's ${env:…}); the rest the services'.
    const collector = Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('OTELCOL_')));
    const services = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('OTELCOL_')));
    chosen.push({
      ...base,
      baseId: base.id,
      id: `${base.id}+${name}`,
      label: `${base.label} + ${name}`,
      serviceEnv: { ...base.serviceEnv, ...services },
      collectorEnv: { ...base.collectorEnv, ...collector },
    });
  }
  return chosen;
}
