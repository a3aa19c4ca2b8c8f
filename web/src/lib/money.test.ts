import { describe, expect, it } from 'vitest';
import { parseShekels, subtotal, vat } from './money';

describe('money', () => {
  it('sums lines in agorot', () => {
    expect(subtotal([{ description: 'a', quantity: 2, unit_price_agorot: 1050 }, { description: 'b', quantity: 1, unit_price_agorot: 99 }])).toBe(2199);
  });
  it('rounds VAT half up like the server', () => {
    expect(vat(10000, 1800)).toBe(1800);
    expect(vat(25, 1800)).toBe(5); // 4.5 → 5
    expect(vat(24, 1800)).toBe(4); // 4.32 → 4
  });
  it('parses shekel amounts', () => {
    expect(parseShekels('12.5')).toBe(1250);
    expect(parseShekels('12,50')).toBe(1250);
    expect(parseShekels('300')).toBe(30000);
    expect(parseShekels('-1')).toBeNull();
    expect(parseShekels('abc')).toBeNull();
  });
});
