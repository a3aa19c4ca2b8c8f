import { useEffect } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { he } from '../strings';
import { api, clearSession, getUser } from '../lib/api';
import { disconnect } from '../lib/socket';
import { ToastProvider } from './Toasts';
import { BusinessProvider, useFeature } from '../lib/business';

export function Layout() {
  return (
    <BusinessProvider>
      <Shell />
    </BusinessProvider>
  );
}

function Shell() {
  const reports = useFeature('reports_enabled');
  const calendar = useFeature('calendar_enabled');
  const proposals = useFeature('proposals_enabled');
  const signature = useFeature('signature_enabled');
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const user = getUser();
  // On a phone the page links scroll sideways: keep the current one in view.
  useEffect(() => {
    document.querySelector<HTMLElement>('.nav a.active')?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }, [pathname]);
  async function logout() {
    // Ends the session on the server too (every device); leaving works even if that fails.
    await api('/api/auth/logout', { method: 'POST' }).catch(() => {});
    clearSession();
    disconnect();
    navigate('/login', { replace: true });
  }
  return (
    <ToastProvider>
      <div className="shell">
        <header className="topbar">
          <span className="brand">{he.appName}</span>
          <nav aria-label={he.nav.menu} className="nav">
            <NavLink to="/" end>
              {he.nav.today}
            </NavLink>
            <NavLink to="/inbox">{he.nav.inbox}</NavLink>
            <NavLink to="/crm">{he.nav.crm}</NavLink>
            {calendar && <NavLink to="/calendar">{he.nav.calendar}</NavLink>}
            {proposals && <NavLink to="/proposal">{he.nav.proposals}</NavLink>}
            {signature && <NavLink to="/signature">{he.nav.signatures}</NavLink>}
            {reports && <NavLink to="/reports">{he.nav.reports}</NavLink>}
            <NavLink to="/settings">{he.nav.settings}</NavLink>
          </nav>
          <div className="topbar-end">
            {user && <span className="muted user-name">{user.name}</span>}
            <button type="button" className="btn btn-ghost" onClick={() => void logout()}>
              {he.nav.logout}
            </button>
          </div>
        </header>
        <div className="content">
          <Outlet />
        </div>
      </div>
    </ToastProvider>
  );
}
