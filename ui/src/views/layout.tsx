/** The frame of every UI page (renderPage): the head, the stylesheet, the top bar and its navigation. */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';

export type Section = 'traces' | 'search' | 'slow' | 'map' | 'faults' | 'lab' | 'trace-file' | undefined;

const NAV: Array<{ section: Exclude<Section, undefined>; href: string; label: string }> = [
  { section: 'traces', href: '/', label: 'Payments' },
  { section: 'search', href: '/search', label: 'Search' },
  { section: 'slow', href: '/slow', label: 'Slow vs rest' },
  { section: 'map', href: '/map', label: 'Service map' },
  { section: 'faults', href: '/faults', label: 'Faults' },
  { section: 'lab', href: '/lab', label: 'Sampling lab' },
  { section: 'trace-file', href: '/trace-file', label: 'Open a trace file' },
];

export interface PageProps {
  title: string;
  section: Section;
  children: ComponentChildren;
  /** Scripts under /assets/ this page needs (most need none). */
  scripts?: string[];
}

function Page({ title, section, children, scripts = [] }: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · paytrace`}</title>
        <link rel="stylesheet" href="/assets/style.css" />
        {scripts.map((src) => (
          <script src={`/assets/${src}`} defer />
        ))}
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            paytrace
          </a>
          <nav>
            {NAV.map((item) => (
              <a href={item.href} aria-current={item.section === section ? 'page' : undefined}>
                {item.label}
              </a>
            ))}
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

/** A whole HTML document for a page. */
export function renderPage(props: PageProps): string {
  return `<!doctype html>${render(<Page {...props} />)}`;
}
