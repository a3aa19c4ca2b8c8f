import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatMoney, formatPhone, formatVatRate, samePhone, telHref, toE164 } from './format';
import { he } from '../strings';

describe('formatMoney', () => {
  it('shows agorot as shekels with ₪ and two decimals', () => {
    const s = formatMoney(123450);
    expect(s).toContain('₪');
    expect(s).toContain('1,234.50');
  });
  it('shows zero', () => {
    expect(formatMoney(0)).toContain('0.00');
  });
});

describe('formatVatRate', () => {
  it('shows basis points as a percentage', () => {
    expect(formatVatRate(1800)).toContain('18');
    expect(formatVatRate(1800)).toContain('%');
  });
});

describe('dates', () => {
  it('formats in Israel time (UTC+2 in winter)', () => {
    expect(formatDate('2026-11-24T23:30:00Z')).toBe('25.11.2026');
    expect(formatDateTime('2026-11-24T07:05:00Z')).toMatch(/24\.11\.2026.*09:05/);
  });
  it('shows nothing for a missing or invalid date', () => {
    expect(formatDate(null)).toBe('');
    expect(formatDate('not a date')).toBe('');
  });
});

describe('formatPhone', () => {
  it('formats Israeli mobiles from E.164 and local input', () => {
    expect(formatPhone('+972501234567')).toBe('050-123-4567');
    expect(formatPhone('0521234567')).toBe('052-123-4567');
    expect(formatPhone('972541234567')).toBe('054-123-4567');
  });
  it('formats landlines and 07x numbers', () => {
    expect(formatPhone('+97221234567')).toBe('02-123-4567');
    expect(formatPhone('+97231234567')).toBe('03-123-4567');
    expect(formatPhone('+972771234567')).toBe('077-123-4567');
  });
  it('leaves foreign or odd numbers as they are', () => {
    expect(formatPhone('+14155550100')).toBe('+14155550100');
    expect(formatPhone('')).toBe('');
  });
  it('dials digits only', () => {
    expect(telHref('+972 50-123-4567')).toBe('tel:+972501234567');
  });
});

describe('strings', () => {
  it('are Hebrew', () => {
    expect(he.login.submit).toMatch(/[\u0590-\u05FF]/);
    expect(he.customers.title).toMatch(/[\u0590-\u05FF]/);
    expect(he.featureDisabled(he.features.crm)).toContain('ניהול הלקוחות');
  });
});

describe('toE164 and samePhone', () => {
  it('treats every spelling of an Israeli number as one number', () => {
    for (const n of ['050-123-4567', '0501234567', '+972 50 123 4567', '972501234567', '+972501234567']) expect(toE164(n)).toBe('+972501234567');
    expect(samePhone('03-1234567', '+97231234567')).toBe(true);
    expect(samePhone('050-123-4567', '052-123-4567')).toBe(false);
    expect(samePhone('', '')).toBe(false);
    expect(samePhone('+972501234567', undefined)).toBe(false);
  });
});
