/** `npm run reset-data`: resets the running stack's database to the seed data. */
import { resetData, runCli, stackDatabaseUrl, stackPorts } from '@paytrace/devstack';

await runCli('usage: npm run reset-data   (DATABASE_URL: another database than the stack’s)', async () => {
  const url = stackDatabaseUrl(stackPorts());
  await resetData(url);
  console.log(`data reset to the seed (${url.replace(/\/\/[^@]*@/, '//')})`);
});
