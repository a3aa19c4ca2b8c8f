// Baileys auth state (creds + signal keys) kept in AgentLocator's database through the bridge, not
// in files, so a restarted or rescheduled sidecar keeps its pairing.
//
// Wire: POST <bridge>/webhook/whatsapp_auth with `x-bridge-secret` and one of
//   {"business_id", "op": "get",   "keys": ["creds", "pre-key-1", ...]} → {"values": {"creds": "<json>" | null, ...}}
//   {"business_id", "op": "set",   "values": {"<key>": "<json>" | null}}  (null deletes)
//   {"business_id", "op": "clear"}                                       (logout: forget the pairing)
//   {"op": "paired"}                                                      → {"business_ids": [...]} to resume
// Values are opaque JSON text (binary in BufferJSON form); the bridge stores them as they are.

import { initAuthCreds, proto } from 'baileys';
import type { AuthenticationCreds, AuthenticationState, SignalDataTypeMap } from 'baileys';
import { decode, encode } from './wire';

export interface KeyValueStore {
  get(keys: string[]): Promise<Record<string, string | null>>;
  set(values: Record<string, string | null>): Promise<void>;
  clear(): Promise<void>;
}

export class BridgeAuthStore implements KeyValueStore {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly businessId: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly attempts = 4,
  ) {}

  async get(keys: string[]): Promise<Record<string, string | null>> {
    if (keys.length === 0) return {};
    const body = (await this.call({ op: 'get', keys })) as { values?: Record<string, string | null> };
    return body.values ?? {};
  }

  async set(values: Record<string, string | null>): Promise<void> {
    if (Object.keys(values).length === 0) return;
    await this.call({ op: 'set', values });
  }

  async clear(): Promise<void> {
    await this.call({ op: 'clear' });
  }

  private async call(payload: object): Promise<unknown> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      try {
        const res = await this.fetchImpl(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-bridge-secret': this.secret },
          body: JSON.stringify({ business_id: this.businessId, ...payload }),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.ok) return text ? JSON.parse(text) : {};
        lastError = new Error(`auth store answered ${res.status}: ${text.slice(0, 200)}`);
        if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }
}

const CREDS = 'creds';

/** The businesses with a stored pairing (`{"op": "paired"}`), whose sessions a started sidecar resumes. */
export async function listPaired(url: string, secret: string, fetchImpl: typeof fetch = fetch): Promise<string[]> {
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bridge-secret': secret },
    body: JSON.stringify({ op: 'paired' }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`listing paired businesses answered ${res.status}`);
  const body = (await res.json()) as { business_ids?: unknown };
  return Array.isArray(body.business_ids) ? body.business_ids.filter((id): id is string => typeof id === 'string') : [];
}

/** Key under which one signal key is stored, as Baileys' file store names its files. */
export function signalKey(type: string, id: string): string {
  return `${type}-${id}`;
}

/** An AuthenticationState backed by `store`, plus the function that persists updated creds. */
export async function useStoredAuthState(
  store: KeyValueStore,
): Promise<{ state: AuthenticationState; saveCreds: () => Promise<void> }> {
  const stored = (await store.get([CREDS]))[CREDS];
  const creds: AuthenticationCreds = stored ? decode<AuthenticationCreds>(stored) : initAuthCreds();
  return {
    state: {
      creds,
      keys: {
        get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
          const raw = await store.get(ids.map((id) => signalKey(type, id)));
          const out: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const id of ids) {
            const text = raw[signalKey(type, id)];
            if (!text) continue;
            let value: unknown = decode(text);
            if (type === 'app-state-sync-key') {
              value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
            }
            out[id] = value as SignalDataTypeMap[T];
          }
          return out;
        },
        set: async (data) => {
          const values: Record<string, string | null> = {};
          for (const type of Object.keys(data) as Array<keyof SignalDataTypeMap>) {
            const entries = data[type] ?? {};
            for (const id of Object.keys(entries)) {
              const value = entries[id];
              values[signalKey(type, id)] = value ? encode(value) : null;
            }
          }
          await store.set(values);
        },
      },
    },
    saveCreds: () => store.set({ [CREDS]: encode(creds) }),
  };
}
