// A stand-in for the REST API in component tests: routes by method and path prefix to canned
// answers, and records every request.

import { vi } from 'vitest';
import type { Features } from '../lib/types';

export function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export const allFeatures: Features = {
  crm_enabled: true, whatsapp_enabled: true, signature_enabled: true, invoices_enabled: true, contracts_enabled: true,
  voice_enabled: true, proposals_enabled: true, calendar_enabled: true, reports_enabled: true,
};

export interface Call {
  method: string;
  url: string;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

/** Installs a fetch whose answers come from `routes` (`'GET /api/x'` → handler, longest prefix wins). */
export function mockApi(routes: Record<string, Handler | unknown>): Call[] {
  const calls: Call[] = [];
  const keys = Object.keys(routes).sort((a, b) => b.length - a.length);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      const call = { method, url, body: init.body ? JSON.parse(init.body as string) : undefined };
      calls.push(call);
      const key = keys.find((k) => {
        const [m, path] = k.split(' ');
        return m === method && (url === path || url.startsWith(path.endsWith('?') || path.endsWith('/') ? path : `${path}?`) || url === path);
      });
      if (!key) return json(404, { error: 'not_found', message: 'לא נמצא' });
      const route = routes[key];
      return typeof route === 'function' ? (route as Handler)(call) : json(200, route);
    }),
  );
  return calls;
}

/** `/api/me` of a business with these features. */
export function me(features: Partial<Features> = {}, extra: Record<string, unknown> = {}) {
  return {
    user: { id: 'u1', business_id: 'b1', email: 'owner@demo.co.il', name: 'דנה', role: 'owner' },
    business: { id: 'b1', name: 'העסק לדוגמה', vat_rate_bp: 1800, features: { ...allFeatures, ...features }, ...extra },
  };
}
