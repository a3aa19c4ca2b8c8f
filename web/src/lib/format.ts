// Hebrew (he-IL) formatting of money, dates and Israeli phone numbers.

const LOCALE = 'he-IL';
const TIME_ZONE = 'Asia/Jerusalem';

const money = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'ILS' });

/** Agorot (1/100 ₪) → "‏1,234.50 ₪". */
export function formatMoney(agorot: number): string {
  return money.format(agorot / 100);
}

/** A VAT rate in basis points (1800) → "18%". */
export function formatVatRate(basisPoints: number): string {
  return new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 2 }).format(basisPoints / 10000);
}

function toDate(value: string | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "24.11.2026" style date, in Israel's time zone. */
export function formatDate(value: string | Date | null | undefined): string {
  const d = value ? toDate(value) : null;
  if (!d) return '';
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: 'short', timeZone: TIME_ZONE }).format(d);
}

/** Date and time ("24.11.2026, 9:05"), in Israel's time zone. */
export function formatDateTime(value: string | Date | null | undefined): string {
  const d = value ? toDate(value) : null;
  if (!d) return '';
  return new Intl.DateTimeFormat(LOCALE, {
    day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE,
  }).format(d);
}

/** "09:05", in Israel's time zone. */
export function formatTime(value: string | Date | null | undefined): string {
  const d = value ? toDate(value) : null;
  if (!d) return '';
  return new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE }).format(d);
}

/** "24.11, 09:05": a day of this year and a time, in Israel's time zone. */
export function formatDayTime(value: string | Date | null | undefined): string {
  const d = value ? toDate(value) : null;
  if (!d) return '';
  return new Intl.DateTimeFormat(LOCALE, {
    day: 'numeric', month: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE,
  }).format(d);
}

/**
 * An Israeli phone number as people write it: mobiles and 07x numbers "050-123-4567",
 * landlines "02-123-4567", 1-800 numbers "1-800-123-456". E.164 (+972…) and local (0…) input both work;
 * anything else is returned unchanged.
 */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const digits = phone.replace(/[^\d+]/g, '');
  let national: string;
  if (digits.startsWith('+972')) national = '0' + digits.slice(4);
  else if (digits.startsWith('972') && digits.length >= 11) national = '0' + digits.slice(3);
  else if (digits.startsWith('0') || digits.startsWith('1')) national = digits;
  else return phone;
  if (/^0(5\d|7\d)\d{7}$/.test(national)) {
    return `${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`;
  }
  if (/^0[2-489]\d{7}$/.test(national)) {
    return `${national.slice(0, 2)}-${national.slice(2, 5)}-${national.slice(5)}`;
  }
  if (/^1[78]00\d{6}$/.test(national)) {
    return `${national.slice(0, 1)}-${national.slice(1, 4)}-${national.slice(4, 7)}-${national.slice(7)}`;
  }
  return phone;
}

/**
 * An Israeli phone number in E.164 ("+972501234567") from any way of writing it (050-123-4567,
 * +972 50 123 4567, 972501234567), so two spellings of one number compare equal; other numbers keep
 * their digits and a leading +.
 */
export function toE164(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.startsWith('+')) return digits;
  if (digits.startsWith('972') && digits.length >= 11) return `+${digits}`;
  if (digits.startsWith('0')) return `+972${digits.slice(1)}`;
  return digits;
}

/** Whether two phone numbers are the same number (empty is never the same). */
export function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const e164 = toE164(a);
  return e164 !== '' && e164 === toE164(b);
}

/** The `tel:` target of a phone number (digits and a leading +). */
export function telHref(phone: string): string {
  return 'tel:' + phone.replace(/[^\d+]/g, '');
}
