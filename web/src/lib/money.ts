// Line items and VAT as the server computes them: agorot, VAT rounded half up.

import type { LineItem } from './types';

export function subtotal(items: LineItem[]): number {
  return items.reduce((sum, i) => sum + i.quantity * i.unit_price_agorot, 0);
}

/** VAT of `amount` agorot at `rateBp` basis points, rounded half up. */
export function vat(amount: number, rateBp: number): number {
  return Math.floor((amount * rateBp + 5000) / 10000);
}

/** "12.5" or "12,50" shekels → 1250 agorot; null when not a non-negative amount. */
export function parseShekels(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(t)) return null;
  return Math.round(Number(t) * 100);
}
