/**
 * The faults page's "Play the detective" panel: start a mystery round, answer it (a service and an
 * operation), see the grade, give up, and, once it is over, the fault and its fix. Its forms post
 * to /faults/mystery (routes/mystery.ts).
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import { MYSTERY_SERVICES, TRACE_OPERATIONS, type GradedAnswer, type MysteryReveal, type MysteryRound } from '@paytrace/faults';
import { clock } from './format.js';

export interface MysteryPanelProps {
  /** The round in force (open, or over with its answer), if any. */
  round: MysteryRound | undefined;
  /** Its answer, once it is over (never while it is open). */
  reveal: MysteryReveal | undefined;
}

const GRADE_TEXT: Record<GradedAnswer['grade'], (a: GradedAnswer) => string> = {
  solved: (a) => `Solved: ${a.service} ${a.operation} is what to fix first.`,
  half: (a) => `Half right: ${a.service} is the service to fix first, but not ${a.operation}. Which of its spans holds the time (or the errors)?`,
  wrong: (a) => `Wrong: the fault is not in ${a.service}. Look again, or give up.`,
};

/** Starts a round: with `seed`, that one (a replay); without, the seed typed, or a random one. */
function StartForm({ seed, label }: { seed?: number; label: string }) {
  return (
    <form method="post" action="/faults/mystery" class="mystery-start">
      <input type="hidden" name="action" value="start" />
      {seed !== undefined ? (
        <input type="hidden" name="seed" value={String(seed)} />
      ) : (
        <>
          <label>
            seed <input type="number" name="seed" min={0} max={4294967295} step={1} placeholder="random" />
          </label>{' '}
        </>
      )}
      <button type="submit">{label}</button>
    </form>
  );
}

function AnswerForm() {
  return (
    <form method="post" action="/faults/mystery" class="mystery-answer" id="mystery-answer">
      <input type="hidden" name="action" value="answer" />
      <label>
        service{' '}
        <select name="service" required>
          <option value="">—</option>
          {MYSTERY_SERVICES.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
      </label>{' '}
      <label>
        operation{' '}
        <select name="operation">
          <option value="">— as the trace names it —</option>
          {MYSTERY_SERVICES.map((service) => (
            <optgroup label={service}>
              {TRACE_OPERATIONS.filter((o) => o.service === service).map((o) => (
                <option value={o.operation}>{`${o.operation} · ${o.label}`}</option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>{' '}
      <label>
        or typed <input type="text" name="operation_text" maxLength={300} placeholder="e.g. a span name, or a query's text" />
      </label>{' '}
      <button type="submit">Answer</button>
    </form>
  );
}

function Answers({ round }: { round: MysteryRound }) {
  if (round.answers.length === 0) return null;
  const last = round.answers.at(-1)!;
  return (
    <>
      <p id="mystery-grade" class={`grade ${last.grade}`} data-grade={last.grade}>
        {GRADE_TEXT[last.grade](last)}
      </p>
      <ol id="mystery-answers" class="meta">
        {round.answers.map((a) => (
          <li data-grade={a.grade}>{`${a.service} ${a.operation}: ${a.grade} (${clock(Date.parse(a.at))})`}</li>
        ))}
      </ol>
    </>
  );
}

function Reveal({ reveal }: { reveal: MysteryReveal }) {
  const { round, scenario, operations, setting } = reveal;
  return (
    <div id="mystery-reveal" data-flag={round.flag}>
      <p>
        The fault: <strong class="setting">{setting}</strong> (read by {scenario.readBy}).
      </p>
      <p class="simulates">It simulates {scenario.simulates}.</p>
      <p class="fix">Fix: {scenario.fix}</p>
      <p class="culprit">
        What the detective names while it is on: <strong>{scenario.culprit.service}</strong>{' '}
        {operations.length > 0 ? operations.map((o) => `${o.operation} (${o.label})`).join(' or ') : <code>{scenario.culprit.operation.source}</code>}
        .
      </p>
      <p class="meta">
        The fault is still on, so the traces can be read again knowing the answer. The same seed replays this round; "Every fault off" ends it.
      </p>
    </div>
  );
}

export function MysteryPanel({ round, reveal }: MysteryPanelProps) {
  if (!round) {
    return (
      <section id="mystery" class="mystery" data-state="none">
        <h2>Play the detective</h2>
        <p class="legend">
          One fault, chosen at random (and, for a numeric one, its strength), goes on without saying which; this page hides the switches' values and
          fixes until the round is over. Make payments, read the traces and the verdict on <a href="/">Payments</a>, then name the service and the
          operation to fix first. A seed replays a round.
        </p>
        <StartForm label="Start a mystery round" />
      </section>
    );
  }
  if (!round.over) {
    return (
      <section id="mystery" class="mystery" data-state="open" data-seed={String(round.seed)}>
        <h2>{`Mystery round (seed ${round.seed})`}</h2>
        <p class="legend">
          {`One fault has been on since ${clock(Date.parse(round.startedAt))}. `}Make payments (<code>npm run load -- --rate 20 --duration 30</code>
          ), then read <a href="/">the last minute's verdict and the traces</a> (or <code>npm run detective -- --since 30s</code>) and name what to
          fix first.
        </p>
        <Answers round={round} />
        <AnswerForm />
        <div class="actions">
          <form method="post" action="/faults/mystery">
            <input type="hidden" name="action" value="reveal" />
            <button type="submit">Give up: show the answer</button>
          </form>
          <form method="post" action="/faults">
            <input type="hidden" name="action" value="all-off" />
            <button type="submit">Every fault off</button>
          </form>
        </div>
      </section>
    );
  }
  const tries = round.answers.length;
  return (
    <section id="mystery" class="mystery" data-state="over" data-seed={String(round.seed)}>
      <h2>
        {`Mystery round (seed ${round.seed}): `}
        {round.over.how === 'solved' ? `solved in ${tries} ${tries === 1 ? 'try' : 'tries'}` : 'given up'}
      </h2>
      <Answers round={round} />
      {reveal ? <Reveal reveal={reveal} /> : null}
      <StartForm seed={round.seed} label="Replay this seed" />
      <StartForm label="Start a new round" />
    </section>
  );
}
