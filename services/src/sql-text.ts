/**
 * Query text as it may appear in telemetry: literals out, comments out, one line. Used on another
 * session's query read from pg_stat_activity (db-waits.ts), which for a psql session or a batch
 * job carries its values inline (paytrace's own queries show $1 placeholders there).
 */

/** Longest query text kept on a span. */
export const MAX_QUERY_TEXT = 300;

/**
 * Replaces every string, dollar-quoted and numeric literal with `?`, drops comments (a
 * sqlcommenter comment carries a traceparent, and comments may carry anything), collapses
 * whitespace and truncates. Identifiers (also quoted ones, and names with digits such as
 * `acct_load_01`) and `$1` placeholders are kept. A tokenizer, not a regular expression over the
 * whole text, so a quote inside a comment or a `--` inside a string cannot fool it.
 */
export function stripLiterals(sql: string, maxLength = MAX_QUERY_TEXT): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
      out += ' ';
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
    } else if (
      c === "'" ||
      ((c === 'E' || c === 'e' || c === 'B' || c === 'b' || c === 'X' || c === 'x') && next === "'" && !isWordChar(sql[i - 1]))
    ) {
      // '…' with '' inside; E'…' also with backslash escapes.
      const escapes = c === 'E' || c === 'e';
      i = sql.indexOf("'", i) + 1;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      out += '?';
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      const stop = end < 0 ? n : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '$' && !isWordChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
        out += '?';
      } else {
        const param = /^\$\d+/.exec(sql.slice(i));
        const len = param ? param[0].length : 1;
        out += sql.slice(i, i + len);
        i += len;
      }
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      if (isWordChar(sql[i - 1])) {
        out += c; // a digit inside a name: acct_load_01, t1
        i++;
      } else {
        const num = /^(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i));
        i += num ? num[0].length : 1;
        out += '?';
      }
    } else if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql[j])) j++;
      out += sql.slice(i, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  const flat = out.replace(/\s+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$]/.test(c);

/**
 * The trace id in a sqlcommenter comment (`/*traceparent='00-<trace id>-<span id>-01'*\/`), as
 * @opentelemetry/instrumentation-pg appends it with addSqlCommenterCommentToQueries: the trace of
 * the request that ran the query, if that trace was sampled.
 */
export function traceIdFromSqlComment(sql: string): string | undefined {
  const m = /\/\*[^*]*traceparent='00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})'/.exec(sql);
  // Only a sampled trace (flag 01) is one a reader can open.
  return m && !/^0+$/.test(m[1]!) && (parseInt(m[2]!, 16) & 1) === 1 ? m[1] : undefined;
}
