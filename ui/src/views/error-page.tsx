/** The UI's error page (renderErrorPage): what went wrong, in words, and where to go next. */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { UiError } from '../errors.js';
import { renderPage } from './layout.js';

/** Every error the UI shows: what went wrong, in words, and where to go next. */
export function renderErrorPage(error: UiError): string {
  return renderPage({
    title: error.title,
    section: undefined,
    children: (
      <section class={`error-page status-${error.statusCode}`} data-error-code={error.code}>
        <h1>{error.title}</h1>
        <p class="message">{error.message}</p>
        <p>
          <a href="/">Recent payments</a> · <a href="/faults">Faults</a> · <a href="/lab">Sampling lab</a>
        </p>
      </section>
    ),
  });
}
