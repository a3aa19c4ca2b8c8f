import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api } from './api';
import type { Business, Features } from './types';

interface BusinessState {
  business: Business | null;
  reload: () => void;
}

const BusinessContext = createContext<BusinessState>({ business: null, reload: () => {} });

/** The signed-in user's business (its feature flags), from GET /api/me. */
export function BusinessProvider({ children }: { children: ReactNode }) {
  const [business, setBusiness] = useState<Business | null>(null);
  const reload = useCallback(() => {
    api<{ business: Business }>('/api/me').then(
      (me) => setBusiness(me?.business ?? null),
      () => setBusiness(null),
    );
  }, []);
  useEffect(reload, [reload]);
  return <BusinessContext.Provider value={{ business, reload }}>{children}</BusinessContext.Provider>;
}

export function useBusiness() {
  return useContext(BusinessContext);
}

/** Whether a feature is on; unknown (not loaded yet) counts as on, and the API still has the last word. */
export function useFeature(flag: keyof Features): boolean {
  const { business } = useBusiness();
  return business?.features?.[flag] ?? true;
}
