import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError, errorText, setSession, type User } from '../lib/api';

interface LoginResponse {
  token: string;
  user: User;
}

export function LoginPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const expired = new URLSearchParams(location.search).has('expired');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!email.trim() || !password) {
      setError(he.required);
      return;
    }
    setBusy(true);
    try {
      const res = await api<LoginResponse>('/api/auth/login', {
        method: 'POST',
        body: { email: email.trim(), password },
        anonymous: true,
      });
      setSession(res.token, res.user);
      navigate(from, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(he.login.wrong);
      else if (err instanceof ApiError && err.status === 429) setError(he.login.throttled(err.retryAfter ?? 900));
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login-page">
      <form className="card login-card" onSubmit={submit} noValidate>
        <h1>{he.appName}</h1>
        <p className="muted">{he.login.subtitle}</p>
        <h2>{he.login.title}</h2>
        {expired && !error && <p className="notice notice-warning">{he.login.expired}</p>}
        <label className="field">
          <span>{he.login.email}</span>
          <input type="email" dir="ltr" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label className="field">
          <span>{he.login.password}</span>
          <input type="password" dir="ltr" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? he.login.submitting : he.login.submit}
        </button>
      </form>
    </main>
  );
}
