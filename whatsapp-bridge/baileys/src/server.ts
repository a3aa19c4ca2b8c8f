// The sidecar's HTTP API, for the Rust bridge only (bound to loopback, every request carries the
// shared secret in `x-bridge-secret`). Errors answer {"error": "<code>", "message": "..."}.
//
//   GET  /healthz                            liveness, no secret needed
//   GET  /sessions                           every session's status
//   POST /sessions/{business}/start          start (or keep) the socket → status
//   GET  /sessions/{business}                status; with the QR as a PNG data URL while pairing
//   POST /sessions/{business}/stop           close, keep the pairing
//   POST /sessions/{business}/logout         unpair and forget the auth state
//   POST /sessions/{business}/messages       {"to", "text"} → {"id", "jid"}

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import type { Logger } from './logger';
import { SessionError, type SessionManager } from './sessions';

const MAX_BODY = 256 * 1024;
const BUSINESS_ID = /^[A-Za-z0-9_-]{1,64}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createApi(sessions: SessionManager, secret: string, logger: Logger): Server {
  const expected = digest(secret);
  return createServer((req, res) => {
    handle(req, res, sessions, expected).catch((err) => {
      if (err instanceof HttpError) return send(res, err.status, { error: err.code, message: err.message });
      if (err instanceof SessionError) {
        const status = err.code === 'not_found' ? 404 : err.code === 'not_connected' ? 409 : err.code === 'send_failed' ? 502 : 422;
        return send(res, status, { error: err.code, message: err.message });
      }
      logger.error({ err: String(err), url: req.url }, 'sidecar request failed');
      send(res, 500, { error: 'server_error', message: 'internal error' });
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, sessions: SessionManager, expected: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sidecar');
  if (url.pathname === '/healthz' && req.method === 'GET') return send(res, 200, { status: 'ok' });
  const given = req.headers['x-bridge-secret'];
  if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
    throw new HttpError(403, 'forbidden', 'missing or wrong x-bridge-secret');
  }
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts[0] !== 'sessions') throw new HttpError(404, 'not_found', 'no such route');
  if (parts.length === 1) {
    if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'use GET');
    return send(res, 200, { sessions: sessions.list() });
  }
  const businessId = decodeURIComponent(parts[1]);
  if (!BUSINESS_ID.test(businessId)) throw new HttpError(400, 'invalid_business_id', 'business id must be 1-64 of [A-Za-z0-9_-]');
  const action = parts.slice(2).join('/');
  const route = `${req.method} ${action}`;
  switch (route) {
    case 'GET ': {
      const status = sessions.status(businessId);
      if (!status) throw new SessionError('not_found', 'no WhatsApp session for this business');
      const qr_data_url = status.qr ? await QRCode.toDataURL(status.qr, { margin: 1, width: 320 }) : null;
      return send(res, 200, { ...status, qr_data_url });
    }
    case 'POST start':
      return send(res, 200, await sessions.start(businessId));
    case 'POST stop':
      return send(res, 200, sessions.stop(businessId));
    case 'POST logout':
      return send(res, 200, await sessions.logout(businessId));
    case 'POST messages': {
      const body = await readJson(req);
      const { to, text } = (body ?? {}) as { to?: unknown; text?: unknown };
      if (typeof to !== 'string') throw new HttpError(422, 'invalid_recipient', 'to is required');
      if (typeof text !== 'string') throw new HttpError(422, 'invalid_text', 'text is required');
      return send(res, 200, await sessions.sendText(businessId, to, text));
    }
    default:
      throw new HttpError(404, 'not_found', 'no such route');
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Read an oversized body to its end (so the client sees the answer, not a reset), keeping nothing.
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
    else if (size > 64 * MAX_BODY) req.destroy();
  }
  if (size > MAX_BODY) throw new HttpError(413, 'payload_too_large', `the body is larger than ${MAX_BODY} bytes`);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'malformed_json', `the body is not JSON: ${String(err)}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
