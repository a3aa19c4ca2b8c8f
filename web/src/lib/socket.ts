// Live notifications: Socket.IO through the gateway (/socket.io/), authenticated with the sign-in token.

import { io, type Socket } from 'socket.io-client';
import { getToken } from './api';

export const LIVE_EVENTS = ['task:due', 'call:incoming', 'call:transcribed', 'call:answered', 'call:completed', 'whatsapp:message', 'inbox:updated', 'customer:changed'] as const;
export type LiveEvent = (typeof LIVE_EVENTS)[number];
export type LiveListener = (event: LiveEvent, payload: Record<string, unknown>) => void;

let socket: Socket | null = null;
const listeners = new Set<LiveListener>();

function connect(): Socket | null {
  const token = getToken();
  if (!token) return null;
  if (socket) return socket;
  socket = io(window.location.origin, { auth: { token } });
  for (const name of LIVE_EVENTS) {
    socket.on(name, (payload: unknown) => {
      const data = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
      for (const l of listeners) l(name, data);
    });
  }
  return socket;
}

/** Listen to the live events; returns the function that stops listening. */
export function subscribe(listener: LiveListener): () => void {
  listeners.add(listener);
  connect();
  return () => {
    listeners.delete(listener);
  };
}

/** Close the connection (on sign-out). */
export function disconnect(): void {
  socket?.disconnect();
  socket = null;
}
