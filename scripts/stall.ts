/**
 * `npm run stall`: the stall experiment of issue 19 against the running stack (`npm run stack`).
 * Payments arrive at a constant rate (open model: one every 1/rate s, whatever the answers) over
 * the load accounts; stripe-mock is frozen (SIGSTOP) after `--before` seconds for `--frozen`
 * seconds, then thawed (SIGCONT), and the load goes on for `--after` seconds. Prints each phase as
 * the table has it (before; during the freeze and the first 5 s after; from 5 s after the
 * thaw), then waits until the ledger holds (at most a minute) and says how long after the thaw.
 *
 *   npm run stall -- --rate 60                 # 10 s, 15 s frozen, 15 s after (the table)
 *   npm run stall -- --rate 20 --frozen 0      # no freeze: what the stack holds at 20/s
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, checkLedger, ledgerReport, positiveNumber, runCli, stackDatabaseUrl, stackPorts } from '@paytrace/devstack';
import { formatPhase, openLoad, sentBetween, summarise } from '@paytrace/lab/load';

const USAGE = 'usage: npm run stall -- [--rate N/s] [--before S] [--frozen S] [--after S]   (the running npm run stack)';

/** The pid of the stripe-mock serving this port (from /proc: the stack does not publish pids). */
function stripeMockPid(port: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('stripe-mock') && argv.includes(`127.0.0.1:${port}`)) return Number(entry);
  }
  throw new UsageError(`no stripe-mock on 127.0.0.1:${port}: start the stack first (npm run stack)`);
}

await runCli(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '60' },
      before: { type: 'string', default: '10' },
      frozen: { type: 'string', default: '15' },
      after: { type: 'string', default: '15' },
    },
  });
  const rate = positiveNumber('rate', values.rate);
  const seconds = (flag: 'before' | 'frozen' | 'after') => positiveNumber(flag, values[flag], { allowZero: true }) * 1000;
  const [before, frozen, after] = [seconds('before'), seconds('frozen'), seconds('after')];
  const ports = stackPorts();
  const pid = frozen > 0 ? stripeMockPid(ports.stripeMock) : 0;
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;

  const start = Date.now();
  const load = openLoad({ gatewayUrl, ratePerSecond: rate, durationMs: before + frozen + after });
  let thawedAt = start + before;
  if (frozen > 0) {
    await sleep(before);
    process.kill(pid, 'SIGSTOP');
    console.log(`stripe-mock (pid ${pid}) frozen`);
    try {
      await sleep(frozen);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    thawedAt = Date.now();
    console.log(`stripe-mock thawed after ${((thawedAt - start - before) / 1000).toFixed(1)} s`);
  }
  const requests = await load;

  console.log(`\n${rate}/s for ${(before + frozen + after) / 1000} s, stripe-mock frozen ${frozen / 1000} s:`);
  const phases: Array<[string, number, number]> =
    frozen > 0
      ? [
          ['before the freeze', start, start + before],
          ['frozen + 5 s after', start + before, thawedAt + 5_000],
          ['from 5 s after the thaw', thawedAt + 5_000, Infinity],
        ]
      : [['all', start, Infinity]];
  for (const [name, from, to] of phases) console.log(`  ${formatPhase(summarise(name, sentBetween(requests, from, to)))}`);

  const url = stackDatabaseUrl(ports);
  for (;;) {
    const report = ledgerReport(await checkLedger(url));
    const afterThaw = ((Date.now() - thawedAt) / 1000).toFixed(1);
    if (report.holds || Date.now() > thawedAt + 60_000) {
      console.log(`\nledger, ${afterThaw} s after the ${frozen > 0 ? 'thaw' : 'load'}: ${report.summary}`);
      for (const problem of report.problems) console.log(`  - ${problem}`);
      return report.holds ? 0 : 1;
    }
    await sleep(1_000);
  }
});
