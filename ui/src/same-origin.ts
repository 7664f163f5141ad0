/**
 * refuseCrossOrigin: a state-changing request (anything but GET, HEAD, OPTIONS) from another
 * origin is refused with a 403 page, so no other web page the reader visits can flip a fault.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UiError } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request from another origin asked to change something. */
export const crossOriginRefused = (why: string): UiError =>
  new UiError(
    403,
    'CROSS_ORIGIN_REQUEST',
    'Refused: the request came from another site',
    `Only this UI’s own pages can change its state (${why}). Open the page on this UI and use its form.`,
  );

/**
 * Why a request must be refused, or undefined if it may go on. Fetch Metadata first (every
 * current browser sends Sec-Fetch-Site): same-origin and none (typed in the address bar, a
 * bookmark) pass; same-site is refused too, as another port on this host is same-site. Without
 * it (an older browser, curl), Origin must name this host; no Origin at all is a client that is
 * not a browser, since a browser sends Origin on every cross-origin POST. The scheme is not
 * compared, only the host and port: behind a TLS proxy this process sees http.
 */
export function crossOriginReason(request: Pick<FastifyRequest, 'method' | 'headers'>): string | undefined {
  if (SAFE_METHODS.has(request.method)) return undefined;
  const site = request.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return undefined;
  if (site === 'same-site' || site === 'cross-site') return `Sec-Fetch-Site: ${site}`;
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  return sameHost(origin, request.headers.host) ? undefined : `Origin: ${origin}`;
}

/** Whether Origin names the host the request was sent to (default ports as the origin's scheme has them). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const from = new URL(origin);
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    // "null" (a sandboxed frame, a file: page) or garbage: not this UI.
    return false;
  }
}

/**
 * Registers the check as an onRequest hook (before the body is even read), and marks every
 * state-changing answer as depending on the headers it read and not to be cached.
 */
export function refuseCrossOrigin(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (SAFE_METHODS.has(request.method)) return;
    reply.header('vary', 'Origin, Sec-Fetch-Site').header('cache-control', 'no-store');
    const why = crossOriginReason(request);
    if (why === undefined) return;
    request.log.warn({ method: request.method, url: request.url, refused: why }, 'cross-origin request refused');
    throw crossOriginRefused(why);
  });
}
