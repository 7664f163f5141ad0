import { readdirSync, readFileSync } from 'node:fs';
import { postmasterPid, type PostgresHandle } from '@paytrace/devstack';

/** The pids whose parent is `parent`, from /proc (Linux). */
export function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return children;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone meanwhile */
  }
}

/**
 * Freezes a Postgres of ours whole: the postmaster first (so it forks no new backend), then every
 * process it forked (the backends serving the services, the checkpointer, the WAL writer, …).
 * Connections stay open and new ones wait in the listen queue, as on a machine that stalls.
 * Returns the function that thaws them all.
 */
export function freezePostgres(postgres: PostgresHandle): () => void {
  const postmaster = postmasterPid(postgres.dataDir);
  signal(postmaster, 'SIGSTOP');
  const frozen = new Set<number>([postmaster]);
  // A fork under way when the postmaster stopped shows up a moment later: look twice.
  for (let pass = 0; pass < 2; pass++) {
    for (const pid of childPids(postmaster)) {
      if (frozen.has(pid)) continue;
      signal(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  return () => {
    for (const pid of [...frozen].reverse()) signal(pid, 'SIGCONT');
    for (const pid of childPids(postmaster)) signal(pid, 'SIGCONT');
  };
}
