import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, ApiError, type User } from '../lib/api';
import { Loading, WordedError } from './Notice';
import { useToast } from './Toasts';

const ROLES = ['owner', 'admin', 'agent', 'read_only'];

/** The API's error in Hebrew where the users section knows it; `adding` tells a 409 apart. */
function usersErrorText(error: unknown, adding: boolean): string | null {
  if (!(error instanceof ApiError)) return null;
  const s = he.users;
  if (error.status === 403) return s.ownerOnly;
  if (error.status === 409) return adding ? s.emailTaken : s.lastOwner;
  if (error.status === 422 && error.field === 'email') return s.emailInvalid;
  if (error.status === 422 && error.field === 'password') return s.passwordShort;
  return null;
}

function UsersError({ error, adding = false }: { error: unknown; adding?: boolean }) {
  return <WordedError error={error} text={(e) => usersErrorText(e, adding)} />;
}

/** Settings → users (owners and admins): the list, role changes, deactivation, adding a user. */
export function StaffUsers({ me }: { me: User }) {
  const s = he.users;
  const toast = useToast();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<{ items: User[] }>('/api/users').then(
      (r) => setUsers(r.items),
      (e) => setError(e),
    );
  }, []);
  useEffect(load, [load]);

  async function change(user: User, patch: Partial<Pick<User, 'role' | 'active'>>) {
    setError(null);
    try {
      await api<User>(`/api/users/${encodeURIComponent(user.id)}`, { method: 'PATCH', body: patch });
      toast(s.changed, 'success');
    } catch (e) {
      setError(e);
    }
    load();
  }

  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">{s.title}</h2>
      <p className="muted">{s.help}</p>
      {!users ? (
        error ? <UsersError error={error} /> : <Loading />
      ) : (
        <>
          <table className="users-table">
            <thead>
              <tr>
                <th scope="col">{s.name}</th>
                <th scope="col">{s.email}</th>
                <th scope="col">{s.role}</th>
                <th scope="col">{s.status}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.name} {u.id === me.id && <span className="muted">{s.you}</span>}
                  </td>
                  <td dir="ltr">{u.email}</td>
                  <td>
                    <select aria-label={s.roleOf(u.name)} value={u.role} onChange={(e) => void change(u, { role: e.target.value })}>
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {s.roles[r]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{u.active === false ? s.inactive : s.active}</td>
                  <td>
                    <button type="button" className="btn btn-ghost" onClick={() => void change(u, { active: u.active === false })}>
                      {u.active === false ? s.reactivate : s.deactivate}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <UsersError error={error} />
        </>
      )}
      <AddUser onAdded={load} />
    </section>
  );
}

function AddUser({ onAdded }: { onAdded: () => void }) {
  const s = he.users;
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('agent');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api<User>('/api/users', { method: 'POST', body: { email: email.trim(), name: name.trim(), role, password } });
      toast(s.added, 'success');
      setEmail('');
      setName('');
      setPassword('');
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form settings-form" onSubmit={submit} aria-labelledby="add-user-title" noValidate>
      <h3 id="add-user-title">{s.invite}</h3>
      <div className="field">
        <label htmlFor="new-user-email">{s.email}</label>
        <input id="new-user-email" type="email" dir="ltr" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-user-name">{s.name}</label>
        <input id="new-user-name" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field field-narrow">
        <label htmlFor="new-user-role">{s.role}</label>
        <select id="new-user-role" value={role} onChange={(e) => setRole(e.target.value)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {s.roles[r]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="new-user-password">{s.password}</label>
        <input id="new-user-password" type="password" dir="ltr" autoComplete="new-password" aria-describedby="new-user-password-help" value={password} onChange={(e) => setPassword(e.target.value)} />
        <span id="new-user-password-help" className="muted">{s.passwordHelp}</span>
      </div>
      <UsersError error={error} adding />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {s.add}
        </button>
      </div>
    </form>
  );
}
