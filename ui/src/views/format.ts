/** How the pages write shares and instants; a span's time is trace-analysis's formatMs, as in the verdict. */

export const pct = (share: number): string => `${Math.round(share * 100)}%`;

/** A wall-clock time as UTC, to the millisecond (the same instant Jaeger shows, in UTC). */
export const clock = (epochMs: number): string => `${new Date(epochMs).toISOString().slice(11, 23)} UTC`;

export const isoTime = (epochMs: number): string => new Date(epochMs).toISOString();

/** A colour per service, the same on every page (the lesson's chart has one per section). */
const PALETTE: Record<string, string> = {
  gateway: '#4e79a7',
  auth: '#f28e2b',
  balance: '#59a14f',
  payments: '#b07aa1',
};
const OTHERS = ['#76b7b2', '#edc948', '#9c755f', '#bab0ac'];

export function serviceColor(service: string): string {
  return PALETTE[service] ?? OTHERS[[...service].reduce((sum, c) => sum + c.charCodeAt(0), 0) % OTHERS.length]!;
}

/** A wait between two instants, in the unit a reader thinks in: `850 ms`, `30.3 s`, `12 min`, `5.2 h`. */
export function elapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
