// Web Push: registers the service worker (public/sw.js) and sends the browser's subscription to
// POST /api/push/subscribe, keyed by the VAPID public key from GET /api/push/public-key.

import { api } from './api';

export function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const padded = value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4);
  const raw = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Asks for permission, subscribes and stores the subscription; false when permission is refused. */
export async function enablePush(): Promise<boolean> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return false;
  const { public_key } = await api<{ public_key: string }>('/api/push/public-key');
  const registration = await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(public_key) }));
  // The browser's own JSON form: {endpoint, expirationTime, keys: {p256dh, auth}}.
  await api('/api/push/subscribe', { method: 'POST', body: subscription.toJSON() });
  return true;
}
