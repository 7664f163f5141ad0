import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTierRequest } from '../src/tier-control.js';

test('npm run tier takes add, remove <name>, kill <name>, and nothing else', () => {
  assert.deepEqual(parseTierRequest(['add']), { action: 'add' });
  assert.deepEqual(parseTierRequest(['remove', 'sampler-1']), { action: 'remove', name: 'sampler-1' });
  assert.deepEqual(parseTierRequest(['kill', 'sampler-2']), { action: 'kill', name: 'sampler-2' });
  for (const bad of [[], ['add', 'x'], ['remove'], ['kill', 'a', 'b'], ['restart', 'sampler-1']]) {
    assert.throws(() => parseTierRequest(bad), /expected: add \| remove/, JSON.stringify(bad));
  }
});
