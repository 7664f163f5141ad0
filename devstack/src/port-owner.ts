/** The pid of the process listening on a loopback TCP port, read from /proc (the stack does not publish pids). */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The socket inodes listening on `port`, from the text of /proc/net/tcp or /proc/net/tcp6: each row
 * has `local_address` as HEXIP:HEXPORT, `st` 0A for LISTEN, and the socket's inode (10th column).
 */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return procNetTcp
    .split('\n')
    .slice(1)
    .map((row) => row.trim().split(/\s+/))
    .filter((cols) => cols.length > 9 && cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
    .map((cols) => cols[9]!);
}

const readOr = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** The pid whose open files include a socket listening on `port`, or undefined (none, or not ours to see). */
export function listeningPid(port: number): number | undefined {
  const inodes = new Set([...listeningInodes(readOr('/proc/net/tcp'), port), ...listeningInodes(readOr('/proc/net/tcp6'), port)]);
  if (inodes.size === 0) return undefined;
  const sockets = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        if (sockets.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return undefined;
}
