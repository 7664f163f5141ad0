/**
 * The one error model of paytrace: every failure a client can see is an AppError with a stable
 * snake_case `code` and an HTTP status. The error handler in app.ts turns it into
 * `{ "error": { "code", "message" } }`; 5xx messages are replaced by a generic text so internals
 * never leak to clients (the original stays on the span and in the logs).
 */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Whether the message may reach the client (4xx, 502, 503, 504); other 5xx say "Internal error.". */
  readonly expose: boolean;
  /** Sent as `Retry-After` (seconds): when it is worth trying again (overload, an open breaker). */
  readonly retryAfterSeconds: number | undefined;

  constructor(statusCode: number, code: string, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'AppError';
    this.statusCode = statusCode;
    this.code = code;
    this.expose = statusCode < 500 || statusCode === 502 || statusCode === 503 || statusCode === 504;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export const badRequest = (message: string) => new AppError(400, 'invalid_request', message);
export const unauthorized = (message = 'Missing or unknown API key.') => new AppError(401, 'unauthorized', message);
export const notFound = (message = 'Not found.') => new AppError(404, 'not_found', message);
export const dependencyUnavailable = (dependency: string, cause?: unknown) =>
  new AppError(503, 'dependency_unavailable', `A dependency (${dependency}) is unavailable; try again later.`, { cause });
export const dependencyTimeout = (dependency: string, cause?: unknown) =>
  new AppError(504, 'dependency_timeout', `A dependency (${dependency}) timed out; try again later.`, { cause });

/**
 * Load shed: this hop refuses work it cannot finish in time rather than queueing it (a bounded
 * queue is full, the event loop is saturated, a breaker is open). Answered at once, with a hint.
 */
export const overloaded = (what: string, retryAfterSeconds = 1) =>
  new AppError(503, 'overloaded', `Too busy (${what}); retry after ${retryAfterSeconds} s.`, { retryAfterSeconds });

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

const PG_CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * Maps an error thrown by node-postgres to an AppError when it means "the database is not
 * reachable right now" (server down, restarting, connection dropped: a 503) or "it did not answer
 * in time" (the statement timeout: a 504), rather than a 500.
 */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return undefined;
  // 57014 query_canceled: the statement timeout (or a cancel) stopped it; a deadline like any other.
  if (e.code === '57014') return dependencyTimeout('postgres', err);
  // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions
  if (
    (e.code && (PG_CONNECTION_ERRORS.has(e.code) || e.code.startsWith('08') || e.code.startsWith('57P'))) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(e.message ?? '')
  ) {
    return dependencyUnavailable('postgres', err);
  }
  return undefined;
}
