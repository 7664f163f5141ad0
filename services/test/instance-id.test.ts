import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultServiceInstanceId, serviceInstanceId, uuidV5 } from '../src/instance-id.js';

test('serviceInstanceId reads service.instance.id from OTEL_RESOURCE_ATTRIBUTES, percent-decoded, the last one winning', () => {
  assert.equal(serviceInstanceId({}), undefined);
  assert.equal(serviceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci' }), undefined);
  assert.equal(serviceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'a=b, service.instance.id = balance-2 ' }), 'balance-2');
  assert.equal(serviceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=x,service.instance.id=balance%2D1' }), 'balance-1');
});

test('uuidV5 is RFC 9562’s name-based UUID', () => {
  // RFC 9562 appendix A.4: "www.example.com" in the DNS namespace.
  assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
});

test('a service on a port gets the same id at every start (host, name and port), another port or service another', () => {
  const id = (env: NodeJS.ProcessEnv) => defaultServiceInstanceId({ ...env });
  const balance = id({ OTEL_SERVICE_NAME: 'balance', PORT: '8082' });
  assert.match(balance, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(id({ OTEL_SERVICE_NAME: 'balance', PORT: '8082' }), balance);
  assert.notEqual(id({ OTEL_SERVICE_NAME: 'balance', PORT: '9082' }), balance);
  assert.notEqual(id({ OTEL_SERVICE_NAME: 'auth', PORT: '8082' }), balance);
});

test('defaultServiceInstanceId keeps an id that is set and, without a port, adds a random UUID', () => {
  const set = { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=auth-3' };
  assert.equal(defaultServiceInstanceId(set), 'auth-3');
  assert.equal(set.OTEL_RESOURCE_ATTRIBUTES, 'service.instance.id=auth-3');
  const env: NodeJS.ProcessEnv = { OTEL_RESOURCE_ATTRIBUTES: 'team=payments' };
  const id = defaultServiceInstanceId(env);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(env.OTEL_RESOURCE_ATTRIBUTES, `team=payments,service.instance.id=${id}`);
  assert.equal(serviceInstanceId(env), id);
  assert.notEqual(defaultServiceInstanceId({}), defaultServiceInstanceId({}));
});
