/** How paytrace writes a span's time: the verdict, the terminal waterfall and the web UI all use it. */

/** Microseconds as milliseconds, one decimal (three under 1 ms: hop waits are that small). */
export function formatMs(us: number): string {
  const value = us / 1000;
  return `${value < 1 && value > 0 ? value.toFixed(3) : value.toFixed(1)} ms`;
}
