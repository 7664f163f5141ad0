/**
 * /faults: every fault switch of the bottleneck detective, its current value, what it breaks and
 * the fix, with a form per switch. The forms post to /faults, which writes the flag file the way
 * `npm run fault` does; the services and the stack's proxies apply it within a second.
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { FaultScenario, FaultValue } from '@paytrace/faults';
import { renderPage } from './layout.js';
import { MysteryPanel, type MysteryPanelProps } from './mystery-panel.js';

export interface FaultRow {
  scenario: FaultScenario;
  value: FaultValue;
  on: boolean;
  /** The instances a scoped fault is on for (`npm run fault -- … --instance balance-2`); undefined: every instance. */
  instances?: string[];
}

export interface FaultsPageProps {
  /** undefined: the UI was started without a flag file. */
  flagFile: string | undefined;
  rows: FaultRow[];
  presets: string[];
  /** The mystery round, if one is in force: while it is open the rows' values, texts and switches are hidden. */
  mystery: MysteryPanelProps;
}

const shown = (v: FaultValue) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));
/** What a row is now, with the instances a scoped fault is on for: `40 (balance-2 only)`. */
const now = (row: FaultRow) => (row.instances ? `${shown(row.value)} (${row.instances.join(', ')} only)` : shown(row.value));

function Switch({ row }: { row: FaultRow }) {
  const { scenario: s } = row;
  if (s.type === 'boolean') {
    return (
      <form method="post" action="/faults" class="switch">
        <input type="hidden" name="flag" value={s.flag} />
        <input type="hidden" name="value" value={row.on ? 'off' : 'on'} />
        <button type="submit" class={row.on ? 'on' : 'off'} aria-pressed={row.on ? 'true' : 'false'} data-flag={s.flag}>
          {row.on ? 'Switch off' : 'Switch on'}
        </button>
      </form>
    );
  }
  return (
    <form method="post" action="/faults" class="switch">
      <input type="hidden" name="flag" value={s.flag} />
      <input
        type="number"
        name="value"
        min={0}
        {...(s.unit === 'share of requests' ? { max: 1 } : {})}
        step="any"
        required
        value={row.on ? String(row.value) : String(s.onValue)}
        aria-label={`${s.flag} (${s.unit ?? ''})`}
      />{' '}
      <span class="unit">{s.unit}</span>{' '}
      <button type="submit" name="action" value="set" data-flag={s.flag}>
        Set
      </button>
      {row.on ? (
        <button type="submit" name="action" value="off" class="off" formnovalidate>
          Off
        </button>
      ) : null}
    </form>
  );
}

/** While a round is open: which faults there are, not which is on nor what any breaks. */
function HiddenFaults({ rows }: { rows: FaultRow[] }) {
  return (
    <>
      <p class="legend">
        One of these faults is on (with what sets its scene); which, what it breaks and its fix stay hidden until the round is over.
      </p>
      <table class="faults hidden-faults">
        <thead>
          <tr>
            <th>flag</th>
            <th>read by</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr data-flag={row.scenario.flag}>
              <td>
                <code>{row.scenario.flag}</code>
              </td>
              <td>{row.scenario.readBy}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function FaultsPage({ flagFile, rows, presets, mystery }: FaultsPageProps) {
  const on = rows.filter((r) => r.on);
  if (flagFile !== undefined && mystery.round && !mystery.round.over) {
    return (
      <>
        <h1>Fault switches</h1>
        <MysteryPanel {...mystery} />
        <HiddenFaults rows={rows} />
      </>
    );
  }
  return (
    <>
      <h1>Fault switches</h1>
      {flagFile === undefined ? (
        <p class="empty">
          This UI was started without a flag file (PAYTRACE_UI_FLAG_FILE), so it cannot switch faults. <code>npm run stack</code> starts it with the
          repo's <code>flags/paytrace.flagd.json</code>.
        </p>
      ) : (
        <>
          <p class="legend">
            The same switches as <code>npm run fault</code>: they edit <code>{flagFile}</code>, which the services read through OpenFeature (flagd
            in-process) and the stack's proxies poll; a change applies within a second. Then make payments and watch the verdict on{' '}
            <a href="/">Payments</a>. Faults played by the stack's proxies (Stripe, the networks to Postgres) apply on the native stack only, not
            under compose. Now on:{' '}
            <strong id="faults-on">{on.length === 0 ? 'none' : on.map((r) => `${r.scenario.flag}=${now(r)}`).join(', ')}</strong>
          </p>
          <MysteryPanel {...mystery} />
          <h2>Switches</h2>
          <div class="actions">
            <form method="post" action="/faults">
              <input type="hidden" name="action" value="all-off" />
              <button type="submit">Every fault off</button>
            </form>
            {presets.map((p) => (
              <form method="post" action="/faults">
                <input type="hidden" name="action" value="preset" />
                <input type="hidden" name="preset" value={p} />
                <button type="submit">{`Preset: ${p}`}</button>
              </form>
            ))}
          </div>
          <table class="faults">
            <thead>
              <tr>
                <th>flag</th>
                <th>now</th>
                <th>read by</th>
                <th>what it breaks · the fix</th>
                <th>switch</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr id={`fault-${row.scenario.flag}`} class={row.on ? 'on' : 'off'} data-flag={row.scenario.flag} data-value={shown(row.value)}>
                  <td>
                    <code>{row.scenario.flag}</code>
                  </td>
                  <td class="value" {...(row.instances ? { 'data-instances': row.instances.join(',') } : {})}>
                    {now(row)}
                  </td>
                  <td>{row.scenario.readBy}</td>
                  <td>
                    {row.scenario.simulates}
                    <div class="fix">Fix: {row.scenario.fix}</div>
                  </td>
                  <td>
                    <Switch row={row} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

export function renderFaultsPage(props: FaultsPageProps): string {
  return renderPage({ title: 'Fault switches', section: 'faults', children: <FaultsPage {...props} /> });
}
