/**
 * `npm run ledger`: does the money add up? Checks the running stack's database (DATABASE_URL: another
 * one) with devstack's ledger check, prints the verdict and each problem, and exits 1 when the
 * ledger does not hold (see devstack/src/ledger.ts for what "holds" means).
 */
import { UsageError, checkLedger, ledgerReport, runCli, stackDatabaseUrl, stackPorts } from '@paytrace/devstack';

await runCli('usage: npm run ledger   (DATABASE_URL: another database than the stack’s)', async () => {
  if (process.argv.length > 2) throw new UsageError(`unexpected "${process.argv.slice(2).join(' ')}"`);
  const url = stackDatabaseUrl(stackPorts());
  const report = ledgerReport(await checkLedger(url));
  console.log(`${url.replace(/\/\/[^@]*@/, '//')}: ${report.summary}`);
  for (const problem of report.problems) console.log(`  - ${problem}`);
  return report.holds ? 0 : 1;
});
