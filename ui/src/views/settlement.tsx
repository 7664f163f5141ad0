/**
 * The trace page's part of issue 19's reconciler: on a payment's trace, the reconciliation runs that
 * settled it later (each a trace of its own); on a run's trace, the payment and the request it links
 * back to. What a run recorded (its outcome, its payment id) is text, escaped like any.
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { Reconciliation, Settlements } from '../payment-traces.js';
import { clock, elapsed, isoTime } from './format.js';
import { formatMs } from '@paytrace/trace-analysis';

/** What each outcome the reconciler records means, and how the page colours it. */
const RECONCILE_OUTCOMES: Readonly<Record<string, { meaning: string; cls: string; final: boolean }>> = {
  succeeded: { meaning: 'charged, hold captured', cls: 'succeeded', final: true },
  released: { meaning: 'not charged, hold given back', cls: 'released', final: true },
  retry_later: { meaning: 'could not finish this run; another will try', cls: 'retry-later', final: false },
};

/** The page's reading of a run's outcome, when it is one the reconciler records ('constructor' is not). */
const outcomeOfRun = (run: Reconciliation) =>
  run.outcome !== undefined && Object.hasOwn(RECONCILE_OUTCOMES, run.outcome) ? RECONCILE_OUTCOMES[run.outcome] : undefined;

/** A run's outcome as recorded (escaped like any text), coloured when it is one the page knows. */
export function RunOutcome({ run }: { run: Reconciliation }) {
  const known = outcomeOfRun(run);
  const cls = run.error ? 'failed' : (known?.cls ?? '');
  return (
    <span class={`outcome ${cls}`} title={known?.meaning}>
      {run.outcome ?? 'no outcome recorded'}
      {run.error ? ' (error)' : ''}
    </span>
  );
}

/** A payment's trace: the reconciliation runs that drove it to its end later, or why they are not known. */
export function SettledLater({ settlements, startMs }: { settlements: Settlements; startMs: number }) {
  if ('error' in settlements) {
    return (
      <p class="hint settlement-error" id="settlement-search">
        Settled later? The search for reconciliation runs of payment <code>{settlements.paymentId}</code> failed (Jaeger: {settlements.error}); this
        page shows the request alone. Reload to search again.
      </p>
    );
  }
  const { runs } = settlements;
  if (runs.length === 0) return null;
  const settledBy = runs.find((r) => !r.error && outcomeOfRun(r)?.final);
  const last = runs.at(-1)!;
  return (
    <section class="settled" id="settled-later">
      <h2>Settled later</h2>
      <p>
        {settledBy ? (
          <>
            Payment <code>{settlements.paymentId}</code> was left open by this request and settled {elapsed(settledBy.startMs - startMs)} after it
            started, in the background, by the gateway's reconciler
            {settledBy.attempt === undefined ? '' : ` (attempt ${settledBy.attempt})`}: <RunOutcome run={settledBy} />,{' '}
            {outcomeOfRun(settledBy)!.meaning}.
          </>
        ) : (
          <>
            Payment <code>{settlements.paymentId}</code> was left open by this request; the gateway's reconciler has not settled it yet (last run
            {last.attempt === undefined ? '' : `, attempt ${last.attempt}`}: <RunOutcome run={last} />
            ).
          </>
        )}
      </p>
      <p class="legend">Each run is a trace of its own, linked back to this request.</p>
      <table class="settlements">
        <thead>
          <tr>
            <th>run started</th>
            <th class="num">after this request</th>
            <th class="num">attempt</th>
            <th>outcome</th>
            <th class="num">duration</th>
            <th>trace</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr data-trace-id={run.traceId} data-outcome={run.outcome}>
              <td>
                <time datetime={isoTime(run.startMs)}>{clock(run.startMs)}</time>
              </td>
              <td class="num">{elapsed(run.startMs - startMs)}</td>
              <td class="num">{run.attempt ?? '–'}</td>
              <td>
                <RunOutcome run={run} />
              </td>
              <td class="num">{formatMs(run.durationUs)}</td>
              <td>
                <a href={`/trace/${run.traceId}`}>
                  <code>{run.traceId}</code>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {settlements.complete ? null : <p class="hint">The first {runs.length} runs Jaeger returned (its search limit); there may be more.</p>}
    </section>
  );
}

/** A reconciliation run's trace: the payment it drove to its end and the request that left it open. */
export function Reconciles({ run }: { run: Reconciliation }) {
  const spanFragment = /^[0-9a-f]{16}$/.test(run.original?.spanId ?? '') ? `#span-${run.original!.spanId}` : '';
  return (
    <p class="reconciles" id="reconciles">
      Reconciles payment <code>{run.paymentId}</code> — original request:{' '}
      {run.original ? (
        <a href={`/trace/${run.original.traceId}${spanFragment}`} id="original-request">
          <code>{run.original.traceId}</code>
        </a>
      ) : (
        'not linked (the run carries no span link to it)'
      )}
      {run.attempt === undefined ? '' : ` · attempt ${run.attempt}`} · <RunOutcome run={run} />
      {run.outcome && outcomeOfRun(run) ? ` (${outcomeOfRun(run)!.meaning})` : ''}
    </p>
  );
}
