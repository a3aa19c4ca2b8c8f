// The REST client: JSON in and out, the sign-in token as a Bearer header, uniform errors.

import { he } from '../strings';

const TOKEN_KEY = 'al.token';
const USER_KEY = 'al.user';

export interface User {
  id: string;
  business_id: string;
  email: string;
  name: string;
  /** `owner` | `admin` | `agent` | `read_only`. */
  role: string;
  /** False while deactivated. */
  active?: boolean;
  created_at?: string | null;
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function getUser(): User | null {
  const raw = localStorage.getItem(USER_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as User;
  } catch {
    return null;
  }
}

export function setSession(token: string, user: User): void {
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function clearSession(): void {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};

/** What to do when a signed-in request answers 401 (the app sends the user back to the login page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

/** An API error: `{error, message, field?}` from the server, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
    public retryAfter?: number,
  ) {
    super(message);
  }

  /** The feature whose switch is off (`crm` for `crm_disabled`), if that is what this error says. */
  get disabledFeature(): string | null {
    if (this.status !== 403) return null;
    const m = /^([a-z]+)_disabled$/.exec(this.code);
    return m ? m[1] : null;
  }
}

/** The Hebrew text to show for an error: a disabled feature, a network failure, or the server's message. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const feature = e.disabledFeature;
    if (feature) return he.featureDisabled(he.features[feature] ?? feature);
    if (e.status === 0) return he.networkError;
    return e.message || he.genericError;
  }
  return he.genericError;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sign-in itself: a 401 is a wrong password, not an expired session. */
  anonymous?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

export async function requestFull<T>(path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const token = getToken();
  if (token && !opts.anonymous) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError(0, 'network', he.networkError);
  }
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    const body = (json ?? {}) as { error?: string; message?: string; field?: string; retry_after?: number };
    if (res.status === 401 && !opts.anonymous) {
      clearSession();
      onUnauthorized();
    }
    throw new ApiError(res.status, body.error ?? 'error', body.message ?? he.genericError, body.field, body.retry_after);
  }
  return { data: json as T, headers: res.headers };
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return (await requestFull<T>(path, opts)).data;
}
