/**
 * `npm run bench:operations`: what each instrumented operation of a payment costs (an incoming
 * request through Fastify, an undici call, a pg query, a flag evaluation, a bare span), in CPU µs
 * and bytes allocated per operation, with the SDK off, at ratio 0 and at 100%, the configurations
 * interleaved over rounds (medians). It starts a private Postgres and telemetry pipeline; each
 * configuration runs in processes of its own under the services' telemetry bootstrap.
 *
 *   npm run bench:operations                                     # sdk-off, ratio-0, ratio-1; 5 rounds
 *   npm run bench:operations -- --config nocomment@ratio-0:PAYTRACE_PG_SQLCOMMENTER=false --operations pg-query
 *
 * A --config is name:KEY=value[,KEY=value] (a configuration of its own) or name@base:KEY=value
 * (base's environment, changed): an A/B of a change. --json FILE writes every round's figures.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseNamedAssignments, positiveInteger, runCli, UsageError } from '@paytrace/devstack';
import { DEFAULT_OPERATION_CONFIGS, operationCostReport, runOperationCosts, type OperationCostConfig } from '@paytrace/lab/bench';

const USAGE =
  'usage: npm run bench:operations -- [--config name[@base]:KEY=value[,KEY=value]]... [--only name,...] [--operations op,...] [--rounds N] [--warmup N] [--batch N] [--batches N] [--json FILE]';

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    options: {
      config: { type: 'string', multiple: true, default: [] },
      only: { type: 'string' },
      operations: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '3000' },
      batch: { type: 'string', default: '2000' },
      batches: { type: 'string', default: '5' },
      json: { type: 'string' },
    },
  });
  const configs: OperationCostConfig[] = [...DEFAULT_OPERATION_CONFIGS];
  for (const spec of args.config) {
    const { name: label, env } = parseNamedAssignments(spec);
    const [name, baseName] = label.split('@') as [string, string | undefined];
    const base = baseName === undefined ? undefined : configs.find((c) => c.name === baseName);
    if (baseName !== undefined && !base) throw new UsageError(`--config ${spec}: no configuration named ${baseName}`);
    configs.push({ name, env: { ...base?.env, ...env } });
  }
  const only = args.only?.split(',');
  const chosen = only ? configs.filter((c) => only.includes(c.name)) : configs;
  if (chosen.length === 0) throw new UsageError(`--only ${args.only}: no such configuration`);
  const runs = await runOperationCosts(
    {
      configs: chosen,
      rounds: positiveInteger('rounds', args.rounds),
      ...(args.operations ? { operations: args.operations.split(',') as never } : {}),
      warmup: positiveInteger('warmup', args.warmup),
      batch: positiveInteger('batch', args.batch),
      batches: positiveInteger('batches', args.batches),
    },
    (line) => console.error(line),
  );
  console.log(operationCostReport(runs, chosen));
  if (args.json) writeFileSync(args.json, `${JSON.stringify(Object.fromEntries(runs), null, 2)}\n`);
});
