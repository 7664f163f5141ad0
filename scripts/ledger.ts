/**
 * `npm run ledger`: does the money add up? Checks the running stack's database (DATABASE_URL: another
 * one) with devstack's ledger check, prints the verdict and each problem, and exits 1 when the
 * ledger does not hold or cannot be checked (see devstack/src/ledger.ts for what "holds" means).
 */
import { UsageError, checkLedger, ledgerReport, runCli, stackDatabaseUrl, stackPorts, type LedgerRow } from '@paytrace/devstack';

await runCli('usage: npm run ledger   (DATABASE_URL: another database than the stack’s)', async () => {
  if (process.argv.length > 2) throw new UsageError(`unexpected "${process.argv.slice(2).join(' ')}"`);
  const url = stackDatabaseUrl(stackPorts());
  const where = url.replace(/\/\/[^@]*@/, '//');
  let row: LedgerRow;
  try {
    row = await checkLedger(url);
  } catch (err) {
    console.error(`${where}: could not check the ledger (${(err as Error).message}); is the stack running (npm run stack)?`);
    return 1;
  }
  const report = ledgerReport(row);
  console.log(`${where}: ${report.summary}`);
  for (const problem of report.problems) console.log(`  - ${problem}`);
  return report.holds ? 0 : 1;
});
