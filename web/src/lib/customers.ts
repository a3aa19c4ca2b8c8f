// Customer names for lists that carry only a customer id (proposals, contracts, appointments).

import { useEffect, useState } from 'react';
import { api } from './api';
import type { Customer } from './types';

const names = new Map<string, Promise<string | null>>();

function customerName(id: string): Promise<string | null> {
  let p = names.get(id);
  if (!p) {
    p = api<Customer>(`/api/crm/customers/${encodeURIComponent(id)}`).then(
      (c) => c.name,
      () => {
        // Not found, or the CRM is off: show no name, and ask again next time.
        names.delete(id);
        return null;
      },
    );
    names.set(id, p);
  }
  return p;
}

/** Forgets the names fetched so far (tests start from a clean slate). */
export function clearCustomerNames(): void {
  names.clear();
}

/** `id → name` for the given customer ids, filled in as the names arrive. */
export function useCustomerNames(ids: (string | null | undefined)[]): Record<string, string> {
  const [known, setKnown] = useState<Record<string, string>>({});
  const key = [...new Set(ids.filter((id): id is string => Boolean(id)))].sort().join(',');
  useEffect(() => {
    let live = true;
    const wanted = key ? key.split(',') : [];
    void Promise.all(wanted.map(async (id) => [id, await customerName(id)] as const)).then((pairs) => {
      if (!live) return;
      const next: Record<string, string> = {};
      for (const [id, name] of pairs) if (name) next[id] = name;
      setKnown(next);
    });
    return () => {
      live = false;
    };
  }, [key]);
  return known;
}
