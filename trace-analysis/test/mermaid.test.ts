import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mermaidFence, sanitizeLabel, toMermaidGantt } from '../src/index.js';
import type { TraceSpan } from '../src/jaeger-client.js';
import { loadFixture, span } from './fixtures/detective-traces.js';

const TASK = /^(?<label>[^:;#]+) :(?<crit>crit, )?(?<start>\d+), (?<end>\d+)$/;
const HEADER = [/^gantt$/, /^title [^:;#]+$/, /^dateFormat x$/, /^axisFormat \S+$/, /^todayMarker off$/];

/** Every line as Mermaid's gantt grammar expects it; the tasks by section. */
function parse(text: string) {
  const lines = text.split('\n');
  HEADER.forEach((re, i) => assert.match(lines[i]!, re));
  const sections: Array<{ name: string; tasks: Array<{ label: string; crit: boolean; start: number; end: number }> }> = [];
  for (const line of lines.slice(HEADER.length)) {
    const section = /^section (?<name>[^:;#]+)$/.exec(line);
    if (section) {
      sections.push({ name: section.groups!.name!, tasks: [] });
      continue;
    }
    const task = TASK.exec(line);
    assert.ok(task, `a task line: ${line}`);
    assert.ok(sections.length > 0, 'tasks come after a section');
    const { label, crit, start, end } = task.groups!;
    assert.ok(Number(end) > Number(start), `${line}: ends after it starts`);
    sections.at(-1)!.tasks.push({ label: label!, crit: Boolean(crit), start: Number(start), end: Number(end) });
  }
  return sections;
}

const servicesInOrder = (spans: TraceSpan[]) => [...new Set([...spans].sort((a, b) => a.startTime - b.startTime).map((s) => s.service))];

test('the payment trace as a gantt: one section per service, in order, the path marked crit', () => {
  const spans = loadFixture('payment');
  const text = toMermaidGantt(spans);
  assert.ok(text.startsWith('gantt\n'));
  assert.ok(!text.includes('```'), 'no fence unless asked');
  const sections = parse(text);
  assert.deepEqual(
    sections.map((s) => s.name),
    servicesInOrder(spans),
  );
  const gateway = sections[0]!.tasks;
  assert.deepEqual(gateway[0], { label: 'POST /process-payment', crit: true, start: 0, end: 123 });
  assert.ok(gateway.some((t) => t.label === 'POST → balance /v1/holds/∶hold_key/capture'));
  const tasks = sections.flatMap((s) => s.tasks);
  assert.ok(tasks.some((t) => t.label === 'POST → 127.0.0.1∶12111/v1/charges' && t.crit));
  assert.ok(!tasks.some((t) => t.label === 'request' || t.label.startsWith('handler - ')), "Fastify's plumbing left out");
  assert.ok(tasks.some((t) => t.label.startsWith('SQL INSERT INTO balance.holds')));
});

test('the account trace: the concurrent balance read is not crit, the payments read is', () => {
  const sections = parse(toMermaidGantt(loadFixture('account'), { title: 'GET /accounts/me: who waits on whom; #1' }));
  const balance = sections.find((s) => s.name === 'balance')!;
  assert.ok(balance.tasks.length > 0 && balance.tasks.every((t) => !t.crit));
  assert.ok(sections.find((s) => s.name === 'payments')!.tasks.every((t) => t.crit));
  assert.ok(toMermaidGantt(loadFixture('account'), { title: 'a: b' }).includes('\ntitle a∶ b\n'));
});

test('all: every span, plumbing included', () => {
  const spans = loadFixture('account');
  const tasks = parse(toMermaidGantt(spans, { all: true })).flatMap((s) => s.tasks);
  assert.equal(tasks.length, spans.length);
  assert.ok(tasks.some((t) => t.label === 'handler - myAccount'));
});

test('whole milliseconds from the root, at least 1 ms long, clamped at 0; odd names sanitized', () => {
  const spans = [
    span('root', undefined, 'gw', 'GET /x', 'server', 0, 10.6),
    span('tiny', 'root', 'gw', 'title; #tiny', 'internal', 2.2, 2.3),
    span('skew', 'root', 'db', 'wait for db: pool', 'internal', -1, 3),
  ];
  const sections = parse(toMermaidGantt(spans));
  assert.deepEqual(sections, [
    {
      name: 'gw',
      tasks: [
        { label: 'GET /x', crit: true, start: 0, end: 11 },
        { label: 'span title tiny', crit: false, start: 2, end: 3 },
      ],
    },
    { name: 'db', tasks: [{ label: 'wait for db∶ pool', crit: true, start: 0, end: 3 }] },
  ]);
  assert.equal(sanitizeLabel(' ;# '), 'span');
  assert.equal(toMermaidGantt([]).split('\n')[0], 'gantt');
});

test('mermaidFence wraps the chart for Markdown', () => {
  assert.equal(mermaidFence('gantt\ntitle x\n'), '```mermaid\ngantt\ntitle x\n```');
});
