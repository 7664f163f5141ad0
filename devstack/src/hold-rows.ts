/**
 * Plays a session from outside paytrace holding balance rows, as a batch job or a `psql` would:
 * `SELECT … FOR UPDATE` on the load accounts' balance rows, held `holdMs` of every `everyMs`,
 * sent as one simple-protocol string (BEGIN; … FOR UPDATE; pg_sleep; COMMIT) so pg_stat_activity
 * shows the whole transaction as the session's query while it holds the rows. The detective's
 * lock-wait check (test/detective-locks.test.ts) and `npm run hold-rows` use it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export interface HoldRowsOptions {
  databaseUrl: string;
  /** How Postgres names the session (pg_stat_activity.application_name). Default 'hold-rows'. */
  applicationName?: string;
  /** How long each transaction holds the rows (ms). Default 150. */
  holdMs?: number;
  /** One transaction starts every this many ms. Default 300. */
  everyMs?: number;
  /** Which accounts' rows (a LIKE pattern on balance.balances.account_id). Default the load accounts, 'acct_load_%'. */
  accounts?: string;
  /** Stops the loop (the transaction under way finishes first). */
  signal?: AbortSignal;
}

/** The transaction each cycle sends: its literals are what a holder's query text shows. */
export function holdRowsSql(accounts: string, holdMs: number): string {
  if (!/^[A-Za-z0-9_%]+$/.test(accounts)) throw new Error(`accounts: a LIKE pattern of letters, digits, _ and %, not ${JSON.stringify(accounts)}`);
  return (
    `BEGIN; SELECT account_id, currency FROM balance.balances WHERE account_id LIKE '${accounts}' FOR UPDATE; ` +
    `SELECT pg_sleep(${(holdMs / 1000).toFixed(3)}); COMMIT`
  );
}

/** Holds the rows in cycles until the signal aborts; resolves with the session's pid and the cycles run. */
export async function holdRows(options: HoldRowsOptions, onStart?: (pid: number) => void): Promise<{ pid: number; cycles: number }> {
  const holdMs = options.holdMs ?? 150;
  const everyMs = options.everyMs ?? 300;
  const sql = holdRowsSql(options.accounts ?? 'acct_load_%', holdMs);
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: options.applicationName ?? 'hold-rows' });
  await client.connect();
  const pid = (client as pg.Client & { processID: number }).processID;
  onStart?.(pid);
  let cycles = 0;
  try {
    while (!options.signal?.aborted) {
      const start = Date.now();
      await client.query(sql);
      cycles++;
      const rest = start + everyMs - Date.now();
      if (rest > 0) await sleep(rest, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
  return { pid, cycles };
}
