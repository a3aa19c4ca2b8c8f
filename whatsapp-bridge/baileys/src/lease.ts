// The session lease: WhatsApp keeps one socket per linked device, so with several whatsapp-bridge
// replicas exactly one sidecar may hold a business's socket. The lease is a row in AgentLocator's
// database, taken and renewed through the bridge's auth route:
//
//   {"business_id", "op": "lease", "holder", "holder_addr", "ttl_ms"}
//       → {"granted": bool, "holder", "holder_addr", "expires_at"}   (acquire or renew)
//   {"business_id", "op": "release", "holder"} → {"released": bool}  (only by its holder)
//
// The holder is this sidecar (hostname + a random part, new at every start); `holder_addr` is the
// advertised gRPC address of the bridge in the same pod (WA_BRIDGE_ADVERTISE_URL), where the other
// replicas forward this business's calls.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export interface LeaseAnswer {
  granted: boolean;
  /** Who holds the lease now (this sidecar when granted). */
  holder: string;
  holder_addr: string;
}

export interface LeaseClient {
  /** This sidecar's holder id. */
  readonly holder: string;
  /** Acquire or renew; throws when the bridge cannot answer. */
  acquire(businessId: string): Promise<LeaseAnswer>;
  release(businessId: string): Promise<void>;
}

/** A holder id: the hostname (the pod's name on Kubernetes) for the logs, plus a random part. */
export function newHolderId(): string {
  return `${hostname()}-${randomBytes(4).toString('hex')}`;
}

export class BridgeLease implements LeaseClient {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    readonly holder: string,
    private readonly holderAddr: string,
    private readonly ttlMs: number,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async acquire(businessId: string): Promise<LeaseAnswer> {
    const body = (await this.call({ business_id: businessId, op: 'lease', holder: this.holder, holder_addr: this.holderAddr, ttl_ms: this.ttlMs })) as Partial<LeaseAnswer>;
    if (typeof body.granted !== 'boolean') throw new Error('the lease answer has no "granted"');
    return { granted: body.granted, holder: String(body.holder ?? ''), holder_addr: String(body.holder_addr ?? '') };
  }

  async release(businessId: string): Promise<void> {
    await this.call({ business_id: businessId, op: 'release', holder: this.holder });
  }

  /** One attempt, bounded well under the lease's life: the renewal timer is the retry. */
  private async call(payload: object): Promise<unknown> {
    const res = await this.fetchImpl(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-secret': this.secret },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(Math.max(1_000, Math.floor(this.ttlMs / 3))),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`lease store answered ${res.status}: ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : {};
  }
}
