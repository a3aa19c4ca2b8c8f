// The customer list read page after page by cursor (`X-Next-Cursor` → `?after=`), for the list
// view's infinite scroll and each column of the leads board.

import { useCallback, useEffect, useRef, useState } from 'react';
import { requestFull } from './api';
import type { Customer, Page } from './types';

export const PAGE_SIZE = 25;
/** The most a reload asks for at once (the API's largest page). */
const MAX_LIMIT = 100;

/** The query string of a page of customers: the filters, the size and the cursor. */
export function customersQuery(filters: { q?: string; status?: string }, limit: number, after?: string | null): string {
  const p = new URLSearchParams({ limit: String(limit) });
  if (filters.q) p.set('q', filters.q);
  if (filters.status) p.set('status', filters.status);
  if (after) p.set('after', after);
  return p.toString();
}

export interface CustomerPages {
  items: Customer[] | null;
  total: number;
  /** More pages to load. */
  hasMore: boolean;
  loadingMore: boolean;
  error: unknown;
  /** Loads the next page (no-op while one is loading or when none is left). */
  more: () => Promise<void>;
  /** Reads the list again from the start, as many customers as are shown now (live updates). */
  reload: () => Promise<void>;
  /** Changes what is shown before the server confirms it (the board's moves). */
  update: (f: (items: Customer[]) => Customer[], totalDelta: number) => void;
}

export function useCustomerPages(q: string, status: string): CustomerPages {
  const [items, setItems] = useState<Customer[] | null>(null);
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The filters a response was asked for: an answer to older filters is dropped.
  const generation = useRef(0);
  const shown = useRef(0);
  const busy = useRef(false);
  shown.current = items?.length ?? 0;

  const fetchPage = useCallback(
    async (limit: number, after: string | null) => {
      const { data, headers } = await requestFull<Page<Customer>>(`/api/crm/customers?${customersQuery({ q, status }, limit, after)}`);
      return { page: data, next: headers.get('x-next-cursor') };
    },
    [q, status],
  );

  const load = useCallback(
    async (limit: number) => {
      const gen = ++generation.current;
      setError(null);
      try {
        const { page, next } = await fetchPage(limit, null);
        if (gen !== generation.current) return;
        setItems(page.items);
        setTotal(page.total);
        setCursor(next);
      } catch (e) {
        if (gen === generation.current) setError(e);
      }
    },
    [fetchPage],
  );

  useEffect(() => {
    setItems(null);
    setCursor(null);
    void load(PAGE_SIZE);
  }, [load]);

  const more = useCallback(async () => {
    if (!cursor || busy.current) return;
    busy.current = true;
    setLoadingMore(true);
    const gen = generation.current;
    try {
      const { page, next } = await fetchPage(PAGE_SIZE, cursor);
      if (gen !== generation.current) return;
      setItems((prev) => {
        const seen = new Set((prev ?? []).map((c) => c.id));
        return [...(prev ?? []), ...page.items.filter((c) => !seen.has(c.id))];
      });
      setTotal(page.total);
      setCursor(next);
    } catch (e) {
      if (gen === generation.current) setError(e);
    } finally {
      busy.current = false;
      setLoadingMore(false);
    }
  }, [cursor, fetchPage]);

  const reload = useCallback(() => load(Math.min(MAX_LIMIT, Math.max(PAGE_SIZE, shown.current))), [load]);

  const update = useCallback((f: (items: Customer[]) => Customer[], totalDelta: number) => {
    // A reload under way would bring back what was there before the change.
    generation.current += 1;
    setItems((prev) => f(prev ?? []));
    setTotal((t) => Math.max(0, t + totalDelta));
  }, []);

  return { items, total, hasMore: Boolean(cursor), loadingMore, error, more, reload, update };
}

/** Calls `onVisible` whenever the returned element's node scrolls into view (IntersectionObserver);
 *  `null` where the browser has none (then the page offers a button). */
export function useInfiniteScroll(onVisible: () => void, enabled: boolean): ((node: Element | null) => void) | null {
  const callback = useRef(onVisible);
  callback.current = onVisible;
  const observer = useRef<IntersectionObserver | null>(null);
  const ref = useCallback(
    (node: Element | null) => {
      observer.current?.disconnect();
      observer.current = null;
      if (!node || !enabled || typeof IntersectionObserver === 'undefined') return;
      observer.current = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) callback.current();
        },
        { rootMargin: '200px' },
      );
      observer.current.observe(node);
    },
    [enabled],
  );
  useEffect(() => () => observer.current?.disconnect(), []);
  return typeof IntersectionObserver === 'undefined' ? null : ref;
}
