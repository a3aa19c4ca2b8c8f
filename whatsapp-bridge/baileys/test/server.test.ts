import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { BridgeAuthStore } from '../src/auth-state';
import { Forwarder } from '../src/forwarder';
import { silentLogger } from '../src/logger';
import { createApi } from '../src/server';
import { SessionManager } from '../src/sessions';
import { FakeSocket, type FakeBridge, SECRET, startBridge } from './helpers';

let bridge: FakeBridge;
let base: string;
let close: () => Promise<void>;
const sockets: FakeSocket[] = [];
let manager: SessionManager;
let forwarder: Forwarder;

before(async () => {
  bridge = await startBridge();
  manager = new SessionManager({
    factory: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    storeFor: (id) => new BridgeAuthStore(`${bridge.url}/webhook/whatsapp_auth`, SECRET, id),
    forwarder: (forwarder = new Forwarder({ url: `${bridge.url}/webhook/whatsapp_incoming`, secret: SECRET, logger: silentLogger })),
    logger: silentLogger,
  });
  const server = createApi(manager, SECRET, silentLogger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
});
after(async () => {
  manager.stopAll();
  await forwarder.drained();
  forwarder.close();
  await close();
  await bridge.close();
});

async function call(method: string, path: string, body?: unknown, secret: string | null = SECRET, contentType = 'application/json') {
  const headers: Record<string, string> = {};
  if (secret !== null) headers['x-bridge-secret'] = secret;
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('health needs no secret; everything else does', async () => {
  assert.equal((await call('GET', '/healthz', undefined, null)).status, 200);
  assert.deepEqual(await call('GET', '/sessions', undefined, null), {
    status: 403,
    body: { error: 'forbidden', message: 'missing or wrong x-bridge-secret' },
  });
  assert.equal((await call('GET', '/sessions', undefined, 'wrong-secret-but-long')).status, 403);
  assert.equal((await call('GET', '/sessions')).status, 200);
});

test('start, QR as a PNG data URL, send, stop', async () => {
  assert.equal((await call('GET', '/sessions/biz1')).status, 404);
  const started = await call('POST', '/sessions/biz1/start');
  assert.equal(started.status, 200);
  assert.equal(started.body.state, 'connecting');
  sockets.at(-1)!.emit('connection.update', { qr: '2@pairing-ref' });
  const pairing = await call('GET', '/sessions/biz1');
  assert.equal(pairing.body.state, 'qr');
  assert.equal(pairing.body.qr, '2@pairing-ref');
  assert.match(pairing.body.qr_data_url, /^data:image\/png;base64,/);

  const early = await call('POST', '/sessions/biz1/messages', { to: '972501234567', text: 'שלום' });
  assert.equal(early.status, 409);
  assert.equal(early.body.error, 'not_connected');

  sockets.at(-1)!.emit('connection.update', { connection: 'open' });
  const sent = await call('POST', '/sessions/biz1/messages', { to: '+972501234567', text: 'שלום, מה שלומך?' });
  assert.deepEqual(sent, { status: 200, body: { id: '3EB0SENT1', jid: '972501234567@s.whatsapp.net' } });

  const stopped = await call('POST', '/sessions/biz1/stop');
  assert.deepEqual([stopped.body.state, stopped.body.reason], ['closed', 'stopped']);
});

test('bad input answers a clear 4xx', async () => {
  await call('POST', '/sessions/biz2/start');
  sockets.at(-1)!.emit('connection.update', { connection: 'open' });
  assert.equal((await call('POST', '/sessions/biz2/messages', '{"to":', SECRET)).body.error, 'malformed_json');
  assert.equal((await call('POST', '/sessions/biz2/messages', { to: 5, text: 'x' })).status, 422);
  assert.equal((await call('POST', '/sessions/biz2/messages', { to: 'abc', text: 'x' })).body.error, 'invalid_recipient');
  assert.equal((await call('POST', '/sessions/biz2/messages', 'x', SECRET, 'text/plain')).status, 415);
  const big = await call('POST', '/sessions/biz2/messages', { to: '972501234567', text: 'א'.repeat(200_000) });
  assert.equal(big.status, 413);
  assert.equal((await call('POST', '/sessions/bad%20id/start')).body.error, 'invalid_business_id');
  assert.equal((await call('DELETE', '/sessions/biz2')).status, 404);
});
