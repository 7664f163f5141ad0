import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAssignments, parseNamedAssignments } from '../src/env-assignments.js';

test('a value may hold commas: only `,KEY=` starts the next assignment', () => {
  assert.deepEqual(parseAssignments('OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,undici,pg,pino,PAYTRACE_FASTIFY_HOOK_SPANS=true'), {
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,pg,pino',
    PAYTRACE_FASTIFY_HOOK_SPANS: 'true',
  });
});

test('values may hold = and :, and be empty', () => {
  assert.deepEqual(parseAssignments('OTEL_RESOURCE_ATTRIBUTES=a=1,b=2,PAYTRACE_NODE=/usr/bin/node,EMPTY='), {
    OTEL_RESOURCE_ATTRIBUTES: 'a=1',
    b: '2',
    PAYTRACE_NODE: '/usr/bin/node',
    EMPTY: '',
  });
});

test('anything that is not KEY=value is refused, not guessed', () => {
  assert.throws(() => parseAssignments('just-a-word'), /not KEY=value/);
  assert.throws(() => parseAssignments(''), /not KEY=value/);
  assert.throws(() => parseNamedAssignments('OTEL_SDK_DISABLED=true'), /expected name:KEY=value/);
});

test('a named configuration: the name before the first colon', () => {
  assert.deepEqual(parseNamedAssignments('node20@ratio-0.01:PAYTRACE_NODE=/usr/bin/node'), {
    name: 'node20@ratio-0.01',
    env: { PAYTRACE_NODE: '/usr/bin/node' },
  });
});
