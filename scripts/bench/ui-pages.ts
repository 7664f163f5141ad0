/**
 * `npm run bench:ui`: how long the web UI's pages take to load, against `npm run stack` (running
 * in another terminal): a fresh payment's trace page (Gantt, analysis), the same with every span,
 * the front page (two Jaeger searches and the last minute's verdict), /faults and /lab.
 */
import { parseArgs } from 'node:util';
import { positiveInteger, runCli, stackPorts } from '@paytrace/devstack';
import { pageBenchReport, runPageBench } from '@paytrace/lab/bench';

await runCli('usage: npm run bench:ui -- [--rounds N]   (with `npm run stack` running)', async () => {
  const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
  const rounds = positiveInteger('rounds', args.rounds);
  const ports = stackPorts();
  const result = await runPageBench(
    {
      uiUrl: `http://127.0.0.1:${ports.ui}`,
      gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
      jaegerUrl: `http://127.0.0.1:${ports.jaegerQuery}`,
      rounds,
    },
    (line) => process.stderr.write(`${line}\r`),
  );
  console.log(`\n${pageBenchReport(result, rounds).join('\n')}`);
});
