// How Baileys objects travel as JSON to the bridge: binary as BufferJSON's
// `{"type":"Buffer","data":"<base64>"}` and protobuf Longs (message timestamps from history sync) as
// plain numbers, so the Rust side reads one shape whatever Baileys produced.

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

function isLong(value: unknown): value is LongLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LongLike).low === 'number' &&
    typeof (value as LongLike).high === 'number' &&
    typeof (value as LongLike).unsigned === 'boolean'
  );
}

function longToNumber(value: LongLike): number {
  const low = value.low >>> 0;
  const high = value.unsigned ? value.high >>> 0 : value.high | 0;
  return high * 2 ** 32 + low;
}

export function replacer(_key: string, value: unknown): unknown {
  if (isLong(value)) return longToNumber(value);
  if (value instanceof Uint8Array) {
    return { type: 'Buffer', data: Buffer.from(value).toString('base64') };
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    // What Buffer#toJSON produced before the replacer saw it.
    return { type: 'Buffer', data: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}

export function reviver(_key: string, value: unknown): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    typeof (value as { data?: unknown }).data === 'string'
  ) {
    return Buffer.from((value as { data: string }).data, 'base64');
  }
  return value;
}

export function encode(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function decode<T = unknown>(text: string): T {
  return JSON.parse(text, reviver) as T;
}
