// Sidecar configuration, read from the environment once at start-up.

export interface SidecarConfig {
  /** Loopback address the HTTP API listens on (only the Rust bridge talks to it). */
  host: string;
  port: number;
  /** Shared secret carried in `x-bridge-secret` on every request, in both directions. */
  secret: string;
  /** Base URL of the AgentLocator gateway: events and auth state go to its /webhook routes. */
  bridgeUrl: string;
  logLevel: string;
  /**
   * The gRPC address of the whatsapp-bridge in this pod as the other replicas reach it
   * (WA_BRIDGE_ADVERTISE_URL, shared with the bridge); stored with the session lease so calls for a
   * business this sidecar holds are forwarded here. Empty with one replica.
   */
  advertiseUrl: string;
  /** Life of a session lease; renewed every third of it, and the period of the resume sweep. */
  leaseTtlMs: number;
}

/** A session lease lasts 30 s: a dead replica's businesses move within about that long. */
export const LEASE_TTL_MS = 30_000;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SidecarConfig {
  const addr = env.WA_SIDECAR_ADDR?.trim() || '127.0.0.1:3100';
  const match = /^(.+):(\d{1,5})$/.exec(addr);
  if (!match || Number(match[2]) > 65535) {
    throw new ConfigError('WA_SIDECAR_ADDR', `expected host:port, got "${addr}"`);
  }
  const secret = env.WA_BRIDGE_SECRET?.trim() ?? '';
  if (secret.length < 16) {
    throw new ConfigError('WA_BRIDGE_SECRET', 'must be set to a random string of at least 16 characters');
  }
  const bridgeUrl = (env.WA_BRIDGE_URL?.trim() || 'http://127.0.0.1:8080').replace(/\/+$/, '');
  try {
    const url = new URL(bridgeUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ConfigError('WA_BRIDGE_URL', `expected an http(s) URL, got "${bridgeUrl}"`);
  }
  const advertiseUrl = (env.WA_BRIDGE_ADVERTISE_URL?.trim() ?? '').replace(/\/+$/, '');
  if (advertiseUrl) {
    try {
      const url = new URL(advertiseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new ConfigError('WA_BRIDGE_ADVERTISE_URL', `expected an http(s) URL, got "${advertiseUrl}"`);
    }
  }
  return {
    host: match[1].replace(/^\[|\]$/g, ''),
    port: Number(match[2]),
    secret,
    bridgeUrl,
    logLevel: env.WA_SIDECAR_LOG_LEVEL?.trim() || 'info',
    advertiseUrl,
    leaseTtlMs: LEASE_TTL_MS,
  };
}
