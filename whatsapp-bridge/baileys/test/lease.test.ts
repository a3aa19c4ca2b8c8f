import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { BridgeAuthStore } from '../src/auth-state';
import { Forwarder } from '../src/forwarder';
import { BridgeLease } from '../src/lease';
import { silentLogger } from '../src/logger';
import { SessionManager } from '../src/sessions';
import { boom, eventually, FakeSocket, type FakeBridge, SECRET, startBridge } from './helpers';

// Two sidecars (two bridge replicas' pods) on one fake bridge, whose lease store grants like
// crm-svc: when there is no lease, it expired, or the same holder renews it.

let bridge: FakeBridge;
before(async () => {
  bridge = await startBridge();
});
const forwarders: Forwarder[] = [];
const managers: SessionManager[] = [];
after(async () => {
  for (const m of managers) await m.stopAll();
  for (const f of forwarders) f.close();
  await bridge.close();
});
beforeEach(() => {
  bridge.events.length = 0;
  bridge.auth.clear();
  bridge.leases.clear();
  bridge.leaseCalls.length = 0;
  bridge.leaseDown = false;
});

function sidecar(holder: string, leaseTtlMs = 60_000) {
  const sockets: FakeSocket[] = [];
  const forwarder = new Forwarder({ url: `${bridge.url}/webhook/whatsapp_incoming`, secret: SECRET, logger: silentLogger, baseDelayMs: 5 });
  forwarders.push(forwarder);
  const authUrl = `${bridge.url}/webhook/whatsapp_auth`;
  const manager = new SessionManager({
    factory: async () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    storeFor: (id) => new BridgeAuthStore(authUrl, SECRET, id),
    forwarder,
    logger: silentLogger,
    reconnectBaseMs: 5,
    reconnectMaxMs: 10,
    lease: new BridgeLease(authUrl, SECRET, holder, `http://${holder}:50055`, leaseTtlMs),
    leaseTtlMs,
  });
  managers.push(manager);
  return { sockets, forwarder, manager };
}

const leaseCalls = (holder: string, op = 'lease') => bridge.leaseCalls.filter((c) => c.holder === holder && c.op === op);

test('a socket opens only under the lease: the second sidecar is refused and opens none', async () => {
  const a = sidecar('pod-a');
  const b = sidecar('pod-b');
  assert.equal((await a.manager.start('biz-a')).state, 'connecting');
  assert.equal(a.sockets.length, 1);
  assert.deepEqual(bridge.leases.get('biz-a')?.holder_addr, 'http://pod-a:50055', 'the lease names where pod-a is reached');

  const refused = await b.manager.start('biz-a');
  assert.deepEqual({ state: refused.state, reason: refused.reason }, { state: 'closed', reason: 'held_elsewhere' });
  assert.equal(b.sockets.length, 0, 'no second socket for the business');
  await b.manager.resume(['biz-a']);
  assert.equal(b.sockets.length, 0, 'the sweep is refused too');
  await b.forwarder.drained();
  assert.equal(
    bridge.events.filter((e) => e.event === 'connection.update' && e.data.reason === 'held_elsewhere').length,
    0,
    "a refusal is not the business's WhatsApp state and is not reported",
  );
  // Another business is free for pod-b.
  await b.manager.start('biz-b');
  assert.equal(b.sockets.length, 1);
  await a.manager.stopAll();
  await b.manager.stopAll();
});

test('the holder renews every third of the TTL while the socket is open', async () => {
  const a = sidecar('pod-a', 300);
  await a.manager.start('biz-a');
  a.sockets[0].emit('connection.update', { connection: 'open' });
  const first = bridge.leases.get('biz-a')!.expires;
  await eventually(() => leaseCalls('pod-a').length >= 4, 'three renewals');
  assert.ok(leaseCalls('pod-a').every((c) => c.granted), 'every renewal granted');
  assert.ok(bridge.leases.get('biz-a')!.expires > first, 'the lease was extended');
  assert.equal(a.manager.status('biz-a')!.state, 'open');
  assert.equal(a.sockets[0].ended, false);
  await a.manager.stopAll();
});

test('a refused renewal closes the socket without logging out; the pairing stays', async () => {
  const a = sidecar('pod-a', 300);
  await a.manager.start('biz-a');
  a.sockets[0].emit('connection.update', { connection: 'open' });
  bridge.auth.get('biz-a')!.set('creds', '{"me":1}');
  // Another replica took the lease (e.g. after a pause longer than the TTL).
  bridge.leases.set('biz-a', { holder: 'pod-b', holder_addr: 'http://pod-b:50055', expires: Date.now() + 60_000 });
  await eventually(() => a.sockets[0].ended, 'the socket closed');
  assert.equal(a.sockets[0].loggedOut, false, 'not logged out');
  assert.deepEqual(
    { state: a.manager.status('biz-a')!.state, reason: a.manager.status('biz-a')!.reason },
    { state: 'closed', reason: 'lease_lost' },
  );
  assert.equal(bridge.auth.get('biz-a')!.get('creds'), '{"me":1}', 'the pairing is kept for the new holder');
  assert.equal(bridge.leases.get('biz-a')!.holder, 'pod-b', "pod-b's lease is untouched");
  const calls = leaseCalls('pod-a').length;
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(leaseCalls('pod-a').length, calls, 'no more renewals');
  assert.equal(a.sockets.length, 1, 'no reconnect');
});

test('renewals failing for the whole TTL close the socket; a shorter outage does not', async () => {
  const a = sidecar('pod-a', 1_500);
  await a.manager.start('biz-a');
  a.sockets[0].emit('connection.update', { connection: 'open' });

  // One failed renewal, then the bridge answers again: the session goes on.
  bridge.leaseDown = true;
  await eventually(() => leaseCalls('pod-a').some((c) => c.failed), 'a failed renewal');
  bridge.leaseDown = false;
  const before = leaseCalls('pod-a').length;
  await eventually(() => leaseCalls('pod-a').length > before && leaseCalls('pod-a').at(-1)!.granted === true, 'a granted renewal', 5_000);
  assert.equal(a.sockets[0].ended, false, 'a short outage keeps the socket');

  // The bridge stays down: once renewals failed for a TTL the socket closes, without logout.
  bridge.leaseDown = true;
  await eventually(() => a.sockets[0].ended, 'the socket closed', 10_000);
  assert.equal(a.sockets[0].loggedOut, false);
  assert.equal(a.manager.status('biz-a')!.reason, 'lease_lost');
  assert.ok(leaseCalls('pod-a').filter((c) => c.failed).length >= 2, 'it kept retrying before giving up');
});

test('stop, logout and a logged-out close release the lease for the other sidecar', async () => {
  const a = sidecar('pod-a');
  const b = sidecar('pod-b');
  await a.manager.start('biz-a');
  a.manager.stop('biz-a');
  await eventually(() => !bridge.leases.has('biz-a'), 'released on stop');
  await b.manager.resume(['biz-a']);
  assert.equal(b.sockets.length, 1, 'pod-b took the business over at once');
  assert.equal(bridge.leases.get('biz-a')!.holder, 'pod-b');
  await a.manager.resume(['biz-a']);
  assert.equal(a.sockets.length, 1, 'a session stopped here is not resumed by the sweep');

  b.sockets[0].emit('connection.update', { connection: 'open' });
  await b.manager.logout('biz-a');
  assert.equal(bridge.leases.has('biz-a'), false, 'released on logout');

  await a.manager.start('biz-c');
  a.sockets[1].emit('connection.update', { connection: 'close', lastDisconnect: { error: boom(401) } });
  await eventually(() => !bridge.leases.has('biz-c'), 'released when WhatsApp logged the device out');
  assert.ok(leaseCalls('pod-a', 'release').length >= 2);
  await a.manager.stopAll();
  await b.manager.stopAll();
});

test("the resume sweep takes a dead replica's business over once its lease expires", async () => {
  // pod-dead held the business and vanished without releasing.
  bridge.leases.set('biz-a', { holder: 'pod-dead', holder_addr: 'http://pod-dead:50055', expires: Date.now() + 200 });
  const b = sidecar('pod-b');
  await b.manager.resume(['biz-a']);
  assert.equal(b.sockets.length, 0, 'held: refused');
  await eventually(() => {
    void b.manager.resume(['biz-a']);
    return b.sockets.length > 0;
  }, 'the takeover');
  assert.equal(bridge.leases.get('biz-a')!.holder, 'pod-b');
  b.sockets[0].emit('connection.update', { connection: 'open' });
  assert.equal(b.manager.status('biz-a')!.state, 'open');
  await b.manager.resume(['biz-a']);
  assert.equal(b.sockets.length, 1, 'a running session is left alone');
  await b.manager.stopAll();
  assert.equal(bridge.leases.has('biz-a'), false, 'process shutdown releases every lease');
});
