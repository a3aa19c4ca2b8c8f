// Test doubles: a loopback bridge that records what the sidecar sends, and a socket that is an
// EventEmitter emitting Baileys-shaped payloads.

import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SocketLike } from '../src/sessions';

export const SECRET = 'test-secret-0123456789';

export interface FakeBridge {
  url: string;
  events: any[];
  auth: Map<string, Map<string, string>>;
  /** Status codes to answer the next event deliveries with, before answering 200. */
  failNext: number[];
  secretsSeen: string[];
  /** Session leases by business, granted like crm-svc does (none, expired, or the same holder). */
  leases: Map<string, { holder: string; holder_addr: string; expires: number }>;
  /** Every lease/release call, in order. */
  leaseCalls: Array<{ op: string; business_id: string; holder: string; granted?: boolean; failed?: boolean }>;
  /** While set, lease and release calls answer 503. */
  leaseDown: boolean;
  close(): Promise<void>;
}

export async function startBridge(): Promise<FakeBridge> {
  const bridge: FakeBridge = {
    url: '',
    events: [],
    auth: new Map(),
    failNext: [],
    secretsSeen: [],
    leases: new Map(),
    leaseCalls: [],
    leaseDown: false,
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    bridge.secretsSeen.push(String(req.headers['x-bridge-secret']));
    if (req.url === '/webhook/whatsapp_incoming') {
      const status = bridge.failNext.shift();
      if (status) {
        res.writeHead(status).end();
        return;
      }
      bridge.events.push(body);
      res.writeHead(202).end();
      return;
    }
    if (req.url === '/webhook/whatsapp_auth' && body.op === 'paired') {
      const ids = [...bridge.auth.entries()].filter(([, m]) => m.has('creds')).map(([id]) => id);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ business_ids: ids }));
      return;
    }
    if (req.url === '/webhook/whatsapp_auth' && (body.op === 'lease' || body.op === 'release')) {
      const call = { op: body.op, business_id: body.business_id, holder: body.holder } as FakeBridge['leaseCalls'][number];
      bridge.leaseCalls.push(call);
      if (bridge.leaseDown) {
        call.failed = true;
        res.writeHead(503).end();
        return;
      }
      const now = Date.now();
      const held = bridge.leases.get(body.business_id);
      let answer: unknown;
      if (body.op === 'lease') {
        const granted = !held || held.expires <= now || held.holder === body.holder;
        if (granted) bridge.leases.set(body.business_id, { holder: body.holder, holder_addr: body.holder_addr, expires: now + body.ttl_ms });
        call.granted = granted;
        const lease = bridge.leases.get(body.business_id)!;
        answer = { granted, holder: lease.holder, holder_addr: lease.holder_addr };
      } else {
        const released = held?.holder === body.holder;
        if (released) bridge.leases.delete(body.business_id);
        answer = { released };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    if (req.url === '/webhook/whatsapp_auth') {
      const store = bridge.auth.get(body.business_id) ?? new Map<string, string>();
      bridge.auth.set(body.business_id, store);
      let answer: unknown = {};
      if (body.op === 'get') {
        answer = { values: Object.fromEntries(body.keys.map((k: string) => [k, store.get(k) ?? null])) };
      } else if (body.op === 'set') {
        for (const [k, v] of Object.entries(body.values as Record<string, string | null>)) {
          if (v === null) store.delete(k);
          else store.set(k, v);
        }
      } else if (body.op === 'clear') {
        store.clear();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  bridge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bridge.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return bridge;
}

export class FakeSocket implements SocketLike {
  readonly ev = new EventEmitter();
  user: { id: string } | undefined = undefined;
  sent: Array<{ jid: string; text: string }> = [];
  loggedOut = false;
  ended = false;
  private seq = 0;

  async sendMessage(jid: string, content: { text: string }) {
    this.sent.push({ jid, text: content.text });
    this.seq += 1;
    return { key: { remoteJid: jid, fromMe: true, id: `3EB0SENT${this.seq}` } };
  }
  async logout() {
    this.loggedOut = true;
  }
  end() {
    this.ended = true;
  }
  /** Emits like Baileys' `ev.emit` does. */
  emit(event: string, data: unknown) {
    this.ev.emit(event, data);
  }
}

/** A Boom error as Baileys puts it in `lastDisconnect.error`. */
export function boom(statusCode: number) {
  return Object.assign(new Error(`closed ${statusCode}`), { isBoom: true, output: { statusCode, payload: {} } });
}

/** A protobufjs Long as `messageTimestamp` arrives from history sync. */
export function long(value: number) {
  return { low: value | 0, high: 0, unsigned: true };
}

export async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
