import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { he } from '../strings';
import { subscribe } from '../lib/socket';
import { getToken } from '../lib/api';

interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'success' | 'error';
}

const ToastContext = createContext<(text: string, tone?: Toast['tone']) => void>(() => {});

export function useToast() {
  return useContext(ToastContext);
}

let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const show = useCallback((text: string, tone: Toast['tone'] = 'info') => {
    const id = nextId++;
    setToasts((t) => [...t, { id, text, tone }]);
    window.setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 6000);
  }, []);

  useEffect(() => {
    if (!getToken()) return;
    return subscribe((event, payload) => {
      // A call's turns (`call:answered`) show on the customer's page, not as toasts.
      if (!he.toasts[event]) return;
      const detail = typeof payload.title === 'string' ? payload.title : typeof payload.body === 'string' ? payload.body : '';
      show(detail ? `${he.toasts[event]}: ${detail}` : he.toasts[event]);
    });
  }, [show]);

  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
