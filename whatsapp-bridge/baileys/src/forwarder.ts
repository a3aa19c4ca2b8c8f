// Delivers sidecar events to the bridge (`POST <bridge>/webhook/whatsapp_incoming`) in order per
// business, retrying with exponential backoff until the bridge takes them. An event is only ever
// given up when the bridge rejects it outright (4xx other than 408/429) or the queue overflows,
// and both are logged as errors with the event's id: nothing disappears silently.

import { randomUUID } from 'node:crypto';
import type { Logger } from './logger';
import { encode } from './wire';

export interface BridgeEvent {
  /** Unique per event, so the bridge can recognise a retried delivery. */
  id: string;
  business_id: string;
  event: string;
  occurred_at: string;
  data: unknown;
}

export interface ForwarderOptions {
  url: string;
  secret: string;
  logger: Logger;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Events waiting per business before new ones are refused (and logged). */
  maxQueue?: number;
  requestTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

type Outcome = 'delivered' | 'retry' | 'rejected';

export class Forwarder {
  private readonly queues = new Map<string, BridgeEvent[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly idle: Array<() => void> = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxQueue: number;
  private readonly requestTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ForwarderOptions) {
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  /** Queues an event; returns its id, or undefined when the business's queue is full. */
  enqueue(businessId: string, event: string, data: unknown): string | undefined {
    const queue = this.queues.get(businessId) ?? [];
    const item: BridgeEvent = {
      id: randomUUID(),
      business_id: businessId,
      event,
      occurred_at: new Date().toISOString(),
      data,
    };
    if (queue.length >= this.maxQueue) {
      this.opts.logger.error(
        { business_id: businessId, event, event_id: item.id, queued: queue.length },
        'event queue for the bridge is full; event refused',
      );
      return undefined;
    }
    queue.push(item);
    this.queues.set(businessId, queue);
    if (!this.running.has(businessId)) {
      const run = this.pump(businessId).finally(() => {
        this.running.delete(businessId);
        if (this.running.size === 0) this.idle.splice(0).forEach((resolve) => resolve());
      });
      this.running.set(businessId, run);
    }
    return item.id;
  }

  /** Events not yet taken by the bridge. */
  pending(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /** Resolves once every queued event has been delivered or given up. */
  drained(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops retrying (at shutdown); what is still queued is logged. */
  close(): void {
    this.closed = true;
    const left = this.pending();
    if (left > 0) this.opts.logger.error({ pending: left }, 'stopping with events not delivered to the bridge');
  }

  private async pump(businessId: string): Promise<void> {
    const queue = this.queues.get(businessId)!;
    let attempt = 0;
    while (queue.length > 0 && !this.closed) {
      const item = queue[0];
      const outcome = await this.deliver(item);
      if (outcome === 'retry') {
        const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
        attempt += 1;
        await sleep(delay / 2 + Math.random() * (delay / 2));
        continue;
      }
      attempt = 0;
      queue.shift();
    }
    if (queue.length === 0) this.queues.delete(businessId);
  }

  private async deliver(item: BridgeEvent): Promise<Outcome> {
    const log = { business_id: item.business_id, event: item.event, event_id: item.id };
    try {
      const res = await this.fetchImpl(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bridge-secret': this.opts.secret },
        body: encode(item),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'delivered';
      if (res.status >= 500 || res.status === 408 || res.status === 429) {
        this.opts.logger.warn({ ...log, status: res.status }, 'bridge unavailable; will retry');
        return 'retry';
      }
      this.opts.logger.error({ ...log, status: res.status }, 'bridge rejected the event; not retried');
      return 'rejected';
    } catch (err) {
      this.opts.logger.warn({ ...log, err: String(err) }, 'bridge unreachable; will retry');
      return 'retry';
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
