import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, type User } from './api';
import type { Business, Features } from './types';

interface BusinessState {
  business: Business | null;
  /** The signed-in user as the server has them now (their current role). */
  user: User | null;
  reload: () => void;
}

const BusinessContext = createContext<BusinessState>({ business: null, user: null, reload: () => {} });

/** The signed-in user's business (its feature flags) and the user, from GET /api/me. */
export function BusinessProvider({ children }: { children: ReactNode }) {
  const [business, setBusiness] = useState<Business | null>(null);
  const [user, setUser] = useState<User | null>(null);
  const reload = useCallback(() => {
    api<{ business: Business; user: User }>('/api/me').then(
      (me) => {
        setBusiness(me?.business ?? null);
        setUser(me?.user ?? null);
      },
      () => setBusiness(null),
    );
  }, []);
  useEffect(reload, [reload]);
  return <BusinessContext.Provider value={{ business, user, reload }}>{children}</BusinessContext.Provider>;
}

export function useBusiness() {
  return useContext(BusinessContext);
}

/** Whether a feature is on; unknown (not loaded yet) counts as on, and the API still has the last word. */
export function useFeature(flag: keyof Features): boolean {
  const { business } = useBusiness();
  return business?.features?.[flag] ?? true;
}
