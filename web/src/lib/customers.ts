// Customer names for lists that carry only a customer id (proposals, contracts, appointments):
// one request per page of ids (`GET /api/crm/customers?ids=…`), remembered for the session.

import { useEffect, useState } from 'react';
import { api } from './api';
import type { Customer, Page } from './types';

/** What the API takes in one `ids` request. */
const MAX_IDS = 100;

const names = new Map<string, string>();

/** Fetches the names of `ids` not known yet. Ids the API does not return (deleted, or the CRM is
 * off) stay unknown and are asked for again next time. */
async function fetchNames(ids: string[]): Promise<void> {
  const missing = ids.filter((id) => !names.has(id));
  for (let i = 0; i < missing.length; i += MAX_IDS) {
    const chunk = missing.slice(i, i + MAX_IDS);
    try {
      const page = await api<Page<Customer>>(`/api/crm/customers?ids=${chunk.map(encodeURIComponent).join(',')}`);
      for (const c of page.items) names.set(c.id, c.name);
    } catch {
      // The list still shows, without names.
    }
  }
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
    void fetchNames(wanted).then(() => {
      if (!live) return;
      const next: Record<string, string> = {};
      for (const id of wanted) {
        const name = names.get(id);
        if (name) next[id] = name;
      }
      setKnown(next);
    });
    return () => {
      live = false;
    };
  }, [key]);
  return known;
}
