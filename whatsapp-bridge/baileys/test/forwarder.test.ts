import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Forwarder } from '../src/forwarder';
import { silentLogger, type Logger } from '../src/logger';
import { decode } from '../src/wire';
import { eventually, type FakeBridge, long, SECRET, startBridge } from './helpers';

let bridge: FakeBridge;
before(async () => {
  bridge = await startBridge();
});
after(() => bridge.close());

function forwarder(logger: Logger = silentLogger) {
  return new Forwarder({ url: `${bridge.url}/webhook/whatsapp_incoming`, secret: SECRET, logger, baseDelayMs: 5, maxDelayMs: 20 });
}

test('retries 5xx and network-level failures, then delivers in order with the secret', async () => {
  bridge.events.length = 0;
  bridge.failNext.push(503, 500, 429);
  const f = forwarder();
  for (let i = 0; i < 5; i++) f.enqueue('biz1', 'messages.upsert', { n: i });
  await f.drained();
  assert.deepEqual(
    bridge.events.map((e) => e.data.n),
    [0, 1, 2, 3, 4],
  );
  assert.ok(bridge.secretsSeen.every((s) => s === SECRET));
  assert.equal(new Set(bridge.events.map((e) => e.id)).size, 5, 'every event has its own id');
  assert.equal(f.pending(), 0);
});

test('a rejected event (4xx) is logged as an error with its id and the queue moves on', async () => {
  bridge.events.length = 0;
  bridge.failNext.push(400);
  const errors: any[] = [];
  const logger: Logger = { ...silentLogger, error: (obj) => errors.push(obj), child: () => logger };
  const f = forwarder(logger);
  const rejected = f.enqueue('biz1', 'messages.upsert', { n: 'bad' });
  f.enqueue('biz1', 'messages.upsert', { n: 'good' });
  await f.drained();
  assert.deepEqual(
    bridge.events.map((e) => e.data.n),
    ['good'],
  );
  assert.equal(errors.length, 1);
  assert.equal(errors[0].event_id, rejected);
  assert.equal(errors[0].status, 400);
});

test('an unreachable bridge is retried until it answers', async () => {
  const other = await startBridge();
  const url = `${other.url}/webhook/whatsapp_incoming`;
  await other.close();
  const f = new Forwarder({ url, secret: SECRET, logger: silentLogger, baseDelayMs: 5, maxDelayMs: 10 });
  f.enqueue('biz2', 'messages.upsert', { n: 1 });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(f.pending(), 1, 'kept while the bridge is down');
  f.close();
});

test('binary and protobuf Longs reach the bridge in one JSON shape', async () => {
  bridge.events.length = 0;
  const f = forwarder();
  f.enqueue('biz1', 'messages.upsert', { ts: long(1732400000), media: Buffer.from([1, 2, 3]), raw: new Uint8Array([4, 5]) });
  await eventually(() => bridge.events.length === 1, 'delivery');
  const data = bridge.events[0].data;
  assert.equal(data.ts, 1732400000);
  assert.deepEqual(data.media, { type: 'Buffer', data: 'AQID' });
  assert.deepEqual(decode<any>(JSON.stringify(data)).raw, Buffer.from([4, 5]));
});

test('a full queue refuses new events loudly', () => {
  const errors: any[] = [];
  const logger: Logger = { ...silentLogger, error: (obj) => errors.push(obj), child: () => logger };
  const f = new Forwarder({ url: 'http://127.0.0.1:9/none', secret: SECRET, logger, baseDelayMs: 1000, maxQueue: 2 });
  assert.ok(f.enqueue('b', 'e', 1));
  assert.ok(f.enqueue('b', 'e', 2));
  assert.equal(f.enqueue('b', 'e', 3), undefined);
  assert.equal(errors.length, 1);
  f.close();
});
