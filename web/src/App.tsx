import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { getToken, setUnauthorizedHandler } from './lib/api';
import { Layout } from './components/Layout';
import { LoginPage } from './pages/Login';
import { CustomerListPage } from './pages/CustomerList';
import { CustomerPage } from './pages/CustomerPage';
import { NotFoundPage } from './pages/NotFound';
import { SettingsPage } from './pages/Settings';
import { TaxAuthorityCallbackPage } from './components/TaxAuthority';
import { SignPage } from './pages/SignPage';
import { CalendarPage } from './pages/Calendar';
import { ProposalsPage } from './pages/Proposals';
import { SignaturesPage } from './pages/Signatures';
import { InboxPage } from './pages/Inbox';
import { TodayPage } from './pages/Today';
import { Loading } from './components/Notice';

// The chart library is only loaded with the reports page.
const ReportsPage = lazy(() => import('./pages/Reports').then((m) => ({ default: m.ReportsPage })));

function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  if (!getToken()) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

export function App() {
  const navigate = useNavigate();
  useEffect(() => {
    setUnauthorizedHandler(() => navigate('/login?expired', { replace: true }));
  }, [navigate]);
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      {/* Public: the signer has the link, not an account. */}
      <Route path="/signature/:token" element={<SignPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route path="/" element={<TodayPage />} />
        <Route path="/inbox" element={<InboxPage />} />
        <Route path="/inbox/:id" element={<InboxPage />} />
        <Route path="/crm" element={<CustomerListPage />} />
        <Route path="/crm/customers/:id" element={<CustomerPage />} />
        <Route
          path="/reports"
          element={
            <Suspense fallback={<Loading />}>
              <ReportsPage />
            </Suspense>
          }
        />
        <Route path="/calendar" element={<CalendarPage />} />
        <Route path="/proposal" element={<ProposalsPage />} />
        <Route path="/signature" element={<SignaturesPage />} />
        <Route path="/settings" element={<SettingsPage />} />
        <Route path="/settings/tax-authority/callback" element={<TaxAuthorityCallbackPage />} />
      </Route>
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
