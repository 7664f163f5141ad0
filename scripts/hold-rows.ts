/**
 * `npm run hold-rows`: a session from outside paytrace (application_name `hold-rows`, as a batch
 * job) holding the load accounts' balance rows FOR UPDATE 150 ms of every 300 ms, against the
 * running stack (`npm run stack`), until Ctrl-C or --seconds. Drive payments meanwhile
 * (`npm run load`) and ask the detective: balance's queries wait on a row lock this session holds.
 * The same with psql: docs/detective.md, "Waits in the database".
 *
 *   npm run hold-rows                               # 150 ms of every 300 ms, until Ctrl-C
 *   npm run hold-rows -- --hold 50 --every 500 --seconds 30 --name nightly-batch
 */
import { parseArgs } from 'node:util';
import { holdRows, positiveInteger, positiveNumber, runCli, stackDatabaseUrl, stackPorts } from '@paytrace/devstack';

const USAGE = 'usage: npm run hold-rows -- [--hold MS] [--every MS] [--seconds S] [--name APPLICATION_NAME] [--accounts LIKE-PATTERN]';

await runCli(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      hold: { type: 'string', default: '150' },
      every: { type: 'string', default: '300' },
      seconds: { type: 'string', default: '0' },
      name: { type: 'string', default: 'hold-rows' },
      accounts: { type: 'string', default: 'acct_load_%' },
    },
  });
  const holdMs = positiveInteger('hold', values.hold);
  const everyMs = positiveInteger('every', values.every);
  const seconds = positiveNumber('seconds', values.seconds, { allowZero: true });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  if (seconds > 0) setTimeout(() => stop.abort(), seconds * 1000).unref();
  const { cycles } = await holdRows(
    { databaseUrl: stackDatabaseUrl(stackPorts()), applicationName: values.name, holdMs, everyMs, accounts: values.accounts, signal: stop.signal },
    (pid) => console.log(`${values.name} (pid ${pid}) holds balance rows of ${values.accounts} ${holdMs} ms of every ${everyMs} ms; Ctrl-C stops`),
  );
  console.log(`${cycles} transactions; the rows are free again`);
});
