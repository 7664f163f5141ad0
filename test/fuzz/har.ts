import { readFileSync } from 'node:fs';

/** One exchange recorded by schemathesis (`--report har`): what it sent and what it got. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  contentType: string;
  /** The response body parsed as JSON; `undefined` when empty or not JSON. */
  body: unknown;
  text: string;
}

interface HarEntry {
  request: { method: string; url: string };
  response: { status: number; headers: Array<{ name: string; value: string }>; content?: { text?: string; encoding?: string } };
}

/** Every exchange in a HAR file, in the order they were made. */
export function readExchanges(harPath: string): Exchange[] {
  const har = JSON.parse(readFileSync(harPath, 'utf8')) as { log: { entries: HarEntry[] } };
  return har.log.entries.map(({ request, response }) => {
    const raw = response.content?.text ?? '';
    const text = response.content?.encoding === 'base64' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const contentType = response.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
    return { method: request.method, path: new URL(request.url).pathname, status: response.status, contentType, body, text };
  });
}
