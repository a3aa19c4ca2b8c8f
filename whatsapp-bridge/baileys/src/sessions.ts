// One Baileys linked-device socket per business: start, stop, logout, send, and the connection
// state the web app shows. Reconnects on every close except logged-out/forbidden (the pairing is
// gone) and "connection replaced" (another client took over: a conflict to report, not a loop).
//
// With a lease client (several bridge replicas), a socket is opened only under the business's
// session lease: asked for before connecting, renewed every third of its TTL while the session
// runs, released on stop and logout. A refused renewal, or renewals failing for a whole TTL, close
// the socket without logging out (another replica takes the business over with the same pairing).

import type { KeyValueStore } from './auth-state';
import { useStoredAuthState } from './auth-state';
import type { Forwarder } from './forwarder';
import type { LeaseClient } from './lease';
import type { Logger } from './logger';

export type ConnectionState = 'connecting' | 'qr' | 'open' | 'closed' | 'logged_out';

export interface SessionStatus {
  business_id: string;
  state: ConnectionState;
  /** Why the session is closed/logged out (Baileys' DisconnectReason name), if it is. */
  reason: string | null;
  /** The pairing QR payload while state is `qr`. */
  qr: string | null;
  /** Our own JID once open. */
  me: string | null;
}

/** The part of a Baileys socket the sidecar uses. */
export interface SocketLike {
  ev: { on(event: string, listener: (arg: any) => void): void };
  user?: { id?: string } | undefined;
  sendMessage(jid: string, content: { text: string }): Promise<{ key?: { id?: string | null } } | undefined>;
  logout(msg?: string): Promise<void>;
  end(error: Error | undefined): void;
}

export type AuthBundle = Awaited<ReturnType<typeof useStoredAuthState>>;
export type SocketFactory = (businessId: string, auth: AuthBundle) => Promise<SocketLike> | SocketLike;

/** Baileys' DisconnectReason codes by name (lib/Types/index: DisconnectReason). */
const DISCONNECT_REASONS: Record<number, string> = {
  401: 'logged_out',
  403: 'forbidden',
  408: 'timed_out',
  411: 'multidevice_mismatch',
  428: 'connection_closed',
  440: 'connection_replaced',
  500: 'bad_session',
  503: 'unavailable_service',
  515: 'restart_required',
};

/** Events forwarded to the bridge as Baileys emits them. */
const FORWARDED = ['messages.upsert', 'messages.update', 'message-receipt.update', 'chats.phoneNumberShare'];

export class SessionError extends Error {
  constructor(
    readonly code: 'not_found' | 'not_connected' | 'invalid_recipient' | 'invalid_text' | 'send_failed',
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  status: SessionStatus;
  socket?: SocketLike;
  store: KeyValueStore;
  /** Bumped whenever the socket is replaced, so events of an old socket are ignored. */
  generation: number;
  attempt: number;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  /** True while this sidecar holds the business's lease. */
  leased: boolean;
  leaseTimer?: NodeJS.Timeout;
  /** When the last granted lease request was sent (the lease runs at least TTL from then). */
  leaseRenewedAt: number;
}

/** Why a session is closed when the lease, not WhatsApp, closed it; the resume sweep retries these. */
const LEASE_REASONS = new Set(['held_elsewhere', 'lease_lost', 'lease_unavailable']);

export interface SessionManagerOptions {
  factory: SocketFactory;
  storeFor: (businessId: string) => KeyValueStore;
  forwarder: Forwarder;
  logger: Logger;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** The session lease; without it every start opens a socket (one sidecar for all businesses). */
  lease?: LeaseClient;
  /** How long a lease lasts; renewed every third of it. Default 30 s. */
  leaseTtlMs?: number;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly opts: SessionManagerOptions) {}

  status(businessId: string): SessionStatus | undefined {
    const s = this.sessions.get(businessId);
    return s ? { ...s.status } : undefined;
  }

  list(): SessionStatus[] {
    return [...this.sessions.values()].map((s) => ({ ...s.status }));
  }

  /**
   * Starts (or keeps) the business's socket; idempotent while one is running. Under a lease held by
   * another sidecar the session stays `closed` with reason `held_elsewhere` and no socket opens.
   */
  async start(businessId: string): Promise<SessionStatus> {
    let session = this.sessions.get(businessId);
    if (session && !session.stopped && session.status.state !== 'logged_out' && session.status.state !== 'closed') {
      return { ...session.status };
    }
    if (session?.timer) clearTimeout(session.timer);
    if (session?.leaseTimer) clearTimeout(session.leaseTimer);
    const previous = session;
    session = {
      // `connecting` at once (not reported yet), so a concurrent start waits for this one.
      status: { business_id: businessId, state: 'connecting', reason: null, qr: null, me: null },
      store: this.opts.storeFor(businessId),
      generation: (previous?.generation ?? 0) + 1,
      attempt: 0,
      stopped: false,
      leased: previous?.leased ?? false,
      leaseRenewedAt: 0,
    };
    this.sessions.set(businessId, session);
    if (this.opts.lease && !(await this.takeLease(session))) return { ...session.status };
    this.report(session);
    await this.connect(session);
    return { ...session.status };
  }

  /**
   * The resume sweep: starts every business of `ids` (the paired ones) that this sidecar does not
   * run — never started here, or closed because another sidecar held the lease or the lease was
   * lost. A session stopped or logged out here stays so. Businesses another sidecar holds are
   * simply refused again; one whose holder died is taken over once its lease expires.
   */
  async resume(ids: string[]): Promise<void> {
    for (const id of ids) {
      const session = this.sessions.get(id);
      if (session && !(session.stopped && LEASE_REASONS.has(session.status.reason ?? ''))) continue;
      try {
        await this.start(id);
      } catch (err) {
        this.opts.logger.warn({ business_id: id, err: String(err) }, 'resuming a WhatsApp session failed');
      }
    }
  }

  /** Closes the socket but keeps the pairing (a later start resumes without a QR). */
  stop(businessId: string): SessionStatus {
    const session = this.require(businessId);
    this.shutdown(session, 'stopped');
    void this.releaseLease(session);
    return { ...session.status };
  }

  /** Unpairs the device and forgets the auth state. */
  async logout(businessId: string): Promise<SessionStatus> {
    const session = this.require(businessId);
    const socket = session.socket;
    session.stopped = true;
    session.generation += 1;
    if (socket && session.status.state === 'open') {
      await socket.logout().catch((err) => this.opts.logger.warn({ business_id: businessId, err: String(err) }, 'logout failed'));
    }
    socket?.end(undefined);
    session.socket = undefined;
    if (session.timer) clearTimeout(session.timer);
    if (session.leaseTimer) clearTimeout(session.leaseTimer);
    await session.store.clear();
    await this.releaseLease(session);
    this.setState(session, 'logged_out', 'logged_out');
    return { ...session.status };
  }

  async sendText(businessId: string, to: string, text: string): Promise<{ id: string; jid: string }> {
    const session = this.sessions.get(businessId);
    if (!session) throw new SessionError('not_found', 'no WhatsApp session for this business');
    if (session.status.state !== 'open' || !session.socket) {
      throw new SessionError('not_connected', `WhatsApp is ${session.status.state}, not connected`);
    }
    const jid = toJid(to);
    if (!jid) throw new SessionError('invalid_recipient', 'to must be a phone number in international format or a WhatsApp JID');
    if (typeof text !== 'string' || text.trim().length === 0 || text.length > 65_536) {
      throw new SessionError('invalid_text', 'text must be 1 to 65536 characters');
    }
    let sent;
    try {
      sent = await session.socket.sendMessage(jid, { text });
    } catch (err) {
      throw new SessionError('send_failed', `sending failed: ${String(err)}`);
    }
    const id = sent?.key?.id;
    if (!id) throw new SessionError('send_failed', 'WhatsApp returned no message id');
    return { id, jid };
  }

  /**
   * Closes every socket without logging out (process shutdown) and gives their leases back, so
   * another replica resumes the businesses without waiting for the leases to expire.
   */
  async stopAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    for (const session of sessions) this.shutdown(session, 'stopped');
    await Promise.all(sessions.map((session) => this.releaseLease(session)));
  }

  private require(businessId: string): Session {
    const session = this.sessions.get(businessId);
    if (!session) throw new SessionError('not_found', 'no WhatsApp session for this business');
    return session;
  }

  private shutdown(session: Session, reason: string): void {
    session.stopped = true;
    session.generation += 1;
    if (session.timer) clearTimeout(session.timer);
    if (session.leaseTimer) clearTimeout(session.leaseTimer);
    session.socket?.end(undefined);
    session.socket = undefined;
    if (session.status.state !== 'logged_out') this.setState(session, 'closed', reason);
  }

  private async connect(session: Session): Promise<void> {
    const businessId = session.status.business_id;
    const generation = session.generation;
    let socket: SocketLike;
    try {
      const auth = await useStoredAuthState(session.store);
      socket = await this.opts.factory(businessId, auth);
      if (generation !== session.generation) {
        socket.end(undefined);
        return;
      }
      socket.ev.on('creds.update', () => {
        auth.saveCreds().catch((err) =>
          this.opts.logger.error({ business_id: businessId, err: String(err) }, 'saving WhatsApp creds failed'),
        );
      });
    } catch (err) {
      this.opts.logger.error({ business_id: businessId, err: String(err) }, 'starting the WhatsApp socket failed');
      this.setState(session, 'closed', 'start_failed');
      this.scheduleReconnect(session);
      return;
    }
    session.socket = socket;
    const current = () => generation === session.generation;
    socket.ev.on('connection.update', (update: any) => {
      if (current()) this.onConnectionUpdate(session, update);
    });
    for (const event of FORWARDED) {
      socket.ev.on(event, (data: unknown) => {
        if (current()) this.opts.forwarder.enqueue(businessId, event, data);
      });
    }
  }

  private onConnectionUpdate(session: Session, update: any): void {
    if (typeof update?.qr === 'string' && update.qr) {
      session.status.qr = update.qr;
      this.setState(session, 'qr', null);
    }
    if (update?.connection === 'connecting' && session.status.state !== 'qr') {
      this.setState(session, 'connecting', null);
    } else if (update?.connection === 'open') {
      session.attempt = 0;
      session.status.qr = null;
      session.status.me = session.socket?.user?.id ?? null;
      this.setState(session, 'open', null);
    } else if (update?.connection === 'close') {
      this.onClose(session, update?.lastDisconnect?.error);
    }
  }

  private onClose(session: Session, error: any): void {
    const code: number | undefined = error?.output?.statusCode;
    const reason = (code !== undefined && DISCONNECT_REASONS[code]) || 'connection_lost';
    session.socket = undefined;
    session.generation += 1;
    session.status.qr = null;
    if (code === 401 || code === 403) {
      session.stopped = true;
      if (session.leaseTimer) clearTimeout(session.leaseTimer);
      void this.releaseLease(session);
      this.setState(session, 'logged_out', reason);
      session.store
        .clear()
        .catch((err) =>
          this.opts.logger.error({ business_id: session.status.business_id, err: String(err) }, 'clearing auth state failed'),
        );
      return;
    }
    if (code === 440) {
      session.stopped = true;
      if (session.leaseTimer) clearTimeout(session.leaseTimer);
      void this.releaseLease(session);
      this.opts.logger.warn({ business_id: session.status.business_id }, 'WhatsApp session replaced by another client');
      this.setState(session, 'closed', reason);
      return;
    }
    this.setState(session, code === 515 ? 'connecting' : 'closed', reason);
    this.scheduleReconnect(session, code === 515 ? 0 : undefined);
  }

  private scheduleReconnect(session: Session, delayMs?: number): void {
    if (session.stopped) return;
    const base = this.opts.reconnectBaseMs ?? 1_000;
    const max = this.opts.reconnectMaxMs ?? 60_000;
    const delay = delayMs ?? Math.min(max, base * 2 ** session.attempt);
    session.attempt += 1;
    const generation = session.generation;
    session.timer = setTimeout(() => {
      if (session.stopped || generation !== session.generation) return;
      this.setState(session, 'connecting', session.status.reason);
      void this.connect(session);
    }, delay);
  }

  /**
   * Asks for the lease before a socket opens; false (the session closed, not reported: it is not
   * this business's WhatsApp state) when another sidecar holds it or the bridge cannot answer.
   */
  private async takeLease(session: Session): Promise<boolean> {
    const businessId = session.status.business_id;
    const sentAt = Date.now();
    let reason: string;
    try {
      const answer = await this.opts.lease!.acquire(businessId);
      if (answer.granted) {
        if (this.sessions.get(businessId) !== session || session.stopped) return false;
        session.leased = true;
        session.leaseRenewedAt = sentAt;
        this.scheduleRenewal(session);
        return true;
      }
      this.opts.logger.info({ business_id: businessId, holder: answer.holder }, 'WhatsApp session held by another replica');
      session.leased = false;
      reason = 'held_elsewhere';
    } catch (err) {
      this.opts.logger.warn({ business_id: businessId, err: String(err) }, 'cannot take the WhatsApp session lease');
      reason = 'lease_unavailable';
    }
    session.stopped = true;
    this.setState(session, 'closed', reason, false);
    return false;
  }

  /** Renews the lease every third of its TTL while the session runs. */
  private scheduleRenewal(session: Session): void {
    const lease = this.opts.lease!;
    const ttl = this.leaseTtl();
    const businessId = session.status.business_id;
    const live = () => !session.stopped && this.sessions.get(businessId) === session;
    session.leaseTimer = setTimeout(async () => {
      if (!live()) return;
      const sentAt = Date.now();
      try {
        const answer = await lease.acquire(businessId);
        if (!live()) return;
        if (!answer.granted) {
          this.opts.logger.warn({ business_id: businessId, holder: answer.holder }, 'WhatsApp session lease taken by another replica; closing the socket');
          this.loseLease(session);
          return;
        }
        session.leaseRenewedAt = sentAt;
      } catch (err) {
        if (!live()) return;
        if (Date.now() - session.leaseRenewedAt >= ttl) {
          this.opts.logger.warn({ business_id: businessId, err: String(err) }, 'WhatsApp session lease not renewed for its whole life; closing the socket');
          this.loseLease(session);
          return;
        }
        this.opts.logger.warn({ business_id: businessId, err: String(err) }, 'renewing the WhatsApp session lease failed; retrying');
      }
      this.scheduleRenewal(session);
    }, Math.max(1, Math.floor(ttl / 3)));
  }

  /** The lease is gone: close the socket without logging out; the pairing stays for the new holder. */
  private loseLease(session: Session): void {
    session.leased = false;
    this.shutdown(session, 'lease_lost');
  }

  private async releaseLease(session: Session): Promise<void> {
    if (!this.opts.lease || !session.leased) return;
    session.leased = false;
    try {
      await this.opts.lease.release(session.status.business_id);
    } catch (err) {
      this.opts.logger.warn({ business_id: session.status.business_id, err: String(err) }, 'releasing the WhatsApp session lease failed; it expires by itself');
    }
  }

  private leaseTtl(): number {
    return this.opts.leaseTtlMs ?? 30_000;
  }

  private setState(session: Session, state: ConnectionState, reason: string | null, report = true): void {
    const changed = session.status.state !== state || session.status.reason !== reason || state === 'qr';
    session.status.state = state;
    session.status.reason = reason;
    if (state !== 'qr') session.status.qr = null;
    if (changed && report) this.report(session);
  }

  /** Logs the session's state and forwards it to the bridge. */
  private report(session: Session): void {
    const { business_id, state, reason } = session.status;
    this.opts.logger.info({ business_id, state, reason }, 'WhatsApp connection state');
    this.opts.forwarder.enqueue(business_id, 'connection.update', { ...session.status });
  }
}

/** `+972 50-123-4567`, `972501234567` or a JID → a user JID; undefined when it is neither. */
export function toJid(to: string): string | undefined {
  if (typeof to !== 'string') return undefined;
  const trimmed = to.trim();
  if (/^\d{6,15}@(s\.whatsapp\.net|lid)$/.test(trimmed)) return trimmed;
  const digits = trimmed.replace(/[\s\-().]/g, '').replace(/^\+/, '');
  if (!/^\d{8,15}$/.test(digits) || digits.startsWith('0')) return undefined;
  return `${digits}@s.whatsapp.net`;
}
