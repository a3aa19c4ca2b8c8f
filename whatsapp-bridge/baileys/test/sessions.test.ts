import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { BridgeAuthStore, listPaired, useStoredAuthState } from '../src/auth-state';
import { Forwarder } from '../src/forwarder';
import { silentLogger } from '../src/logger';
import { SessionManager, toJid } from '../src/sessions';
import { boom, eventually, FakeSocket, type FakeBridge, long, SECRET, startBridge } from './helpers';

let bridge: FakeBridge;
before(async () => {
  bridge = await startBridge();
});
const forwarders: Forwarder[] = [];
after(async () => {
  for (const f of forwarders) f.close();
  await bridge.close();
});
beforeEach(() => {
  bridge.events.length = 0;
  bridge.auth.clear();
});

function setup() {
  const sockets: FakeSocket[] = [];
  const forwarder = new Forwarder({ url: `${bridge.url}/webhook/whatsapp_incoming`, secret: SECRET, logger: silentLogger, baseDelayMs: 5 });
  forwarders.push(forwarder);
  const manager = new SessionManager({
    factory: async () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    storeFor: (id) => new BridgeAuthStore(`${bridge.url}/webhook/whatsapp_auth`, SECRET, id),
    forwarder,
    logger: silentLogger,
    reconnectBaseMs: 5,
    reconnectMaxMs: 10,
  });
  return { sockets, forwarder, manager };
}

const states = (business: string) =>
  bridge.events.filter((e) => e.business_id === business && e.event === 'connection.update').map((e) => e.data.state);

test('pairing: qr, then open; the state and the QR are reported to the bridge', async () => {
  const { sockets, forwarder, manager } = setup();
  assert.equal((await manager.start('biz-a')).state, 'connecting');
  sockets[0].emit('connection.update', { qr: '2@abc,def,ghi' });
  assert.equal(manager.status('biz-a')!.state, 'qr');
  assert.equal(manager.status('biz-a')!.qr, '2@abc,def,ghi');
  sockets[0].user = { id: '972501112222:7@s.whatsapp.net' };
  sockets[0].emit('connection.update', { connection: 'open' });
  const status = manager.status('biz-a')!;
  assert.equal(status.state, 'open');
  assert.equal(status.qr, null);
  assert.equal(status.me, '972501112222:7@s.whatsapp.net');
  await forwarder.drained();
  assert.deepEqual(states('biz-a'), ['connecting', 'qr', 'open']);
  manager.stopAll();
});

test('start is idempotent while a socket runs; one socket per business', async () => {
  const { sockets, manager } = setup();
  await manager.start('biz-a');
  await manager.start('biz-a');
  await manager.start('biz-b');
  assert.equal(sockets.length, 2);
  manager.stopAll();
});

test('Baileys-shaped messages are forwarded as they are, Hebrew and emoji unchanged', async () => {
  const { sockets, forwarder, manager } = setup();
  await manager.start('biz-a');
  const upsert = {
    type: 'notify',
    messages: [
      {
        key: { remoteJid: '972501234567@s.whatsapp.net', fromMe: false, id: '3EB0C0FFEE01' },
        message: { conversation: 'שָׁלוֹם! מה המחיר ל-2 חדרים? 🙂' },
        messageTimestamp: long(1732400000),
        pushName: 'דנה',
      },
      {
        key: { remoteJid: '123456789012345@lid', fromMe: false, id: '3EB0C0FFEE02' },
        message: { extendedTextMessage: { text: 'see https://example.com' } },
        messageTimestamp: 1732400001,
      },
    ],
  };
  sockets[0].emit('messages.upsert', upsert);
  sockets[0].emit('messages.update', [{ key: { remoteJid: '972501234567@s.whatsapp.net', fromMe: true, id: '3EB0SENT1' }, update: { status: 3 } }]);
  await forwarder.drained();
  const forwarded = bridge.events.filter((e) => e.event !== 'connection.update');
  assert.deepEqual(
    forwarded.map((e) => e.event),
    ['messages.upsert', 'messages.update'],
  );
  assert.equal(forwarded[0].data.messages[0].message.conversation, 'שָׁלוֹם! מה המחיר ל-2 חדרים? 🙂');
  assert.equal(forwarded[0].data.messages[0].messageTimestamp, 1732400000);
  assert.equal(forwarded[0].data.messages[1].key.remoteJid, '123456789012345@lid');
  assert.equal(forwarded[1].data[0].update.status, 3);
  manager.stopAll();
});

test('a lost connection reconnects with a new socket; events of the old one are ignored', async () => {
  const { sockets, forwarder, manager } = setup();
  await manager.start('biz-a');
  sockets[0].emit('connection.update', { connection: 'open' });
  sockets[0].emit('connection.update', { connection: 'close', lastDisconnect: { error: boom(428), date: new Date() } });
  assert.equal(manager.status('biz-a')!.state, 'closed');
  assert.equal(manager.status('biz-a')!.reason, 'connection_closed');
  await eventually(() => sockets.length === 2, 'a reconnect');
  sockets[0].emit('messages.upsert', { type: 'notify', messages: [] });
  sockets[1].emit('connection.update', { connection: 'open' });
  await forwarder.drained();
  assert.equal(manager.status('biz-a')!.state, 'open');
  assert.equal(bridge.events.filter((e) => e.event === 'messages.upsert').length, 0, 'stale socket events dropped');
  manager.stopAll();
});

test('restart required (515) reconnects at once', async () => {
  const { sockets, manager } = setup();
  await manager.start('biz-a');
  sockets[0].emit('connection.update', { connection: 'close', lastDisconnect: { error: boom(515) } });
  await eventually(() => sockets.length === 2, 'an immediate reconnect');
  manager.stopAll();
});

test('logged out (401) or forbidden (403): no reconnect, auth state forgotten', async () => {
  for (const code of [401, 403]) {
    const { sockets, forwarder, manager } = setup();
    await manager.start('biz-a');
    const auth = bridge.auth.get('biz-a');
    assert.ok(auth?.has('creds') === false);
    bridge.auth.get('biz-a')!.set('creds', '{"x":1}');
    sockets[0].emit('connection.update', { connection: 'close', lastDisconnect: { error: boom(code) } });
    assert.equal(manager.status('biz-a')!.state, 'logged_out');
    await new Promise((r) => setTimeout(r, 50));
    await forwarder.drained();
    assert.equal(sockets.length, 1, 'no reconnect');
    assert.equal(bridge.auth.get('biz-a')!.size, 0, 'auth state cleared');
  }
});

test('connection replaced (440) is a conflict: closed with the reason, no reconnect loop', async () => {
  const { sockets, manager } = setup();
  await manager.start('biz-a');
  sockets[0].emit('connection.update', { connection: 'close', lastDisconnect: { error: boom(440) } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(sockets.length, 1);
  assert.deepEqual(
    { state: manager.status('biz-a')!.state, reason: manager.status('biz-a')!.reason },
    { state: 'closed', reason: 'connection_replaced' },
  );
});

test('creds are saved to the bridge on creds.update and survive a new manager (restart)', async () => {
  const first = setup();
  await first.manager.start('biz-a');
  first.sockets[0].emit('creds.update', {});
  await eventually(() => bridge.auth.get('biz-a')?.has('creds') === true, 'creds saved');
  const saved = bridge.auth.get('biz-a')!.get('creds')!;
  first.manager.stopAll();
  const restored = await useStoredAuthState(new BridgeAuthStore(`${bridge.url}/webhook/whatsapp_auth`, SECRET, 'biz-a'));
  assert.ok(Buffer.isBuffer(restored.state.creds.noiseKey.private), 'binary keys come back as Buffers');
  assert.equal(restored.state.creds.noiseKey.private.toString('base64'), JSON.parse(saved).noiseKey.private.data);
  assert.equal(restored.state.creds.registrationId, JSON.parse(saved).registrationId);
});

test('signal keys round-trip through the store, deletes included', async () => {
  const auth = await useStoredAuthState(new BridgeAuthStore(`${bridge.url}/webhook/whatsapp_auth`, SECRET, 'biz-k'));
  const keyPair = { public: Buffer.from([1, 2, 3]), private: Buffer.from([4, 5, 6]) };
  await auth.state.keys.set({ 'pre-key': { '1': keyPair, '2': keyPair } });
  assert.deepEqual(await auth.state.keys.get('pre-key', ['1', '3']), { '1': keyPair });
  await auth.state.keys.set({ 'pre-key': { '1': null } });
  assert.deepEqual(await auth.state.keys.get('pre-key', ['1', '2']), { '2': keyPair });
});

test('send text: only when open, to a normalised JID, returning the WhatsApp id', async () => {
  const { sockets, manager } = setup();
  await manager.start('biz-a');
  await assert.rejects(manager.sendText('biz-a', '+972501234567', 'שלום'), { code: 'not_connected' });
  sockets[0].emit('connection.update', { connection: 'open' });
  const sent = await manager.sendText('biz-a', '+972 50-123-4567', 'שלום 👋');
  assert.deepEqual(sent, { id: '3EB0SENT1', jid: '972501234567@s.whatsapp.net' });
  assert.deepEqual(sockets[0].sent, [{ jid: '972501234567@s.whatsapp.net', text: 'שלום 👋' }]);
  await assert.rejects(manager.sendText('biz-a', '050-1234567', 'x'), { code: 'invalid_recipient' });
  await assert.rejects(manager.sendText('biz-a', '972501234567', '   '), { code: 'invalid_text' });
  await assert.rejects(manager.sendText('nobody', '972501234567', 'x'), { code: 'not_found' });
  manager.stopAll();
});

test('logout unpairs, clears the auth state and reports logged_out', async () => {
  const { sockets, forwarder, manager } = setup();
  await manager.start('biz-a');
  sockets[0].emit('connection.update', { connection: 'open' });
  bridge.auth.get('biz-a')!.set('creds', '{}');
  assert.equal((await manager.logout('biz-a')).state, 'logged_out');
  assert.ok(sockets[0].loggedOut);
  assert.equal(bridge.auth.get('biz-a')!.size, 0);
  await forwarder.drained();
  assert.equal(states('biz-a').at(-1), 'logged_out');
});

test('toJid', () => {
  assert.equal(toJid('972501234567'), '972501234567@s.whatsapp.net');
  assert.equal(toJid('+972-50-123-4567'), '972501234567@s.whatsapp.net');
  assert.equal(toJid('972501234567@s.whatsapp.net'), '972501234567@s.whatsapp.net');
  assert.equal(toJid('123456789012345@lid'), '123456789012345@lid');
  assert.equal(toJid('0501234567'), undefined, 'local numbers are resolved by the bridge, not guessed here');
  assert.equal(toJid('1234@g.us'), undefined);
  assert.equal(toJid('hello'), undefined);
});

test('paired businesses are listed for resuming after a restart', async () => {
  const { sockets, manager } = setup();
  await manager.start('biz-a');
  sockets[0].emit('creds.update', {});
  await eventually(() => bridge.auth.get('biz-a')?.has('creds') === true, 'creds saved');
  await manager.start('biz-b');
  assert.deepEqual(await listPaired(`${bridge.url}/webhook/whatsapp_auth`, SECRET), ['biz-a']);
  manager.stopAll();
});
