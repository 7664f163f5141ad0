/**
 * The UI's one error model: a code, the HTTP status and a message a reader can act on. Thrown
 * anywhere, rendered as a page by the one error handler in app.ts; anything else is a 500 whose
 * details stay in the log.
 */
export class UiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'UiError';
  }
}

export const notFound = (message: string): UiError => new UiError(404, 'NOT_FOUND', 'Not found', message);

export const badRequest = (message: string): UiError => new UiError(400, 'BAD_REQUEST', 'Bad request', message);

/** A switch asked for while a mystery round is open. */
export const mysteryRoundOpen = (): UiError =>
  new UiError(
    409,
    'MYSTERY_ROUND_OPEN',
    'A mystery round is on',
    'Switching a fault now would change the one being looked for. Answer the round or give up on /faults; "Every fault off" ends it.',
  );

/** The UI was started without a flag file, so nothing can be switched. */
export const noFlagFile = (): UiError =>
  new UiError(409, 'NO_FLAG_FILE', 'No flag file', 'This UI was started without a flag file (PAYTRACE_UI_FLAG_FILE).');

/** Jaeger refused, timed out or failed: the UI has nothing to show, and says so. */
export const jaegerUnavailable = (url: string, cause: unknown): UiError =>
  new UiError(
    503,
    'JAEGER_UNAVAILABLE',
    'Jaeger is not answering',
    `Jaeger's HTTP API at ${url} did not answer (${describeCause(cause)}). Traces live there: start the stack (npm run stack) or point JAEGER_URL at a running Jaeger.`,
  );

/** Why a call to Jaeger failed, in a few words: 'timed out', 'ECONNREFUSED', or Jaeger's answer. */
export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  if (cause.name === 'TimeoutError') return 'timed out';
  // fetch() wraps the socket error (ECONNREFUSED, …) as its cause.
  const code = (cause.cause as { code?: string } | undefined)?.code;
  return code ?? cause.message;
}

/** Prometheus refused, timed out or failed, on a page that is only metrics. */
export const prometheusUnavailable = (reason: string): UiError =>
  new UiError(
    503,
    'PROMETHEUS_UNAVAILABLE',
    'Prometheus is not answering',
    `${reason}. Metrics live there: start the stack (npm run stack) or point PROMETHEUS_URL at a running Prometheus.`,
  );
