/** The front page's "find" box: a payment id, an Idempotency-Key or a trace id, sent to GET /find. */
/** @jsxRuntime automatic @jsxImportSource preact */

export function FindBox() {
  return (
    <form class="find" id="find-form" method="get" action="/find">
      <label>
        Find a payment{' '}
        <input type="search" name="q" id="find-q" required maxLength={300} size={48} placeholder="pay_… · its Idempotency-Key · a trace id" />
      </label>
      <button type="submit">Find</button>
      <span class="hint">
        one match opens its trace, several are listed; or <a href="/search">search by service, operation, tags, duration, time</a>
      </span>
    </form>
  );
}
