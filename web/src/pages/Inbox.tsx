import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { he } from '../strings';
import { api, errorText, getUser } from '../lib/api';
import { subscribe } from '../lib/socket';
import { formatDateTime, formatPhone } from '../lib/format';
import type { InboxConversation, InboxPage, InboxThread } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';

const LIMIT = 25;
const FILTERS = ['unread', 'waiting', 'mine'] as const;
const CHANNELS = ['whatsapp', 'call'] as const;

interface Staff {
  id: string;
  name: string;
}

/** The inbox query string of the page's filters (`filter`, `channel`) and a cursor. */
export function inboxQuery(filter: string, channel: string, cursor?: string | null): string {
  const q = new URLSearchParams({ limit: String(LIMIT) });
  if (filter) q.set('filter', filter);
  if (channel) q.set('channel', channel);
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}

/** `/inbox` and `/inbox/:id`: every conversation newest first, and the one opened beside (or, on a phone, instead of) the list. */
export function InboxPage() {
  const { id } = useParams();
  const [params, setParams] = useSearchParams();
  const filter = params.get('filter') ?? '';
  const channel = params.get('channel') ?? '';
  const [items, setItems] = useState<InboxConversation[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [unread, setUnread] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [staff, setStaff] = useState<Staff[]>([]);
  const t = he.inbox;

  const load = useCallback(async () => {
    setError(null);
    try {
      const page = await api<InboxPage>(`/api/inbox?${inboxQuery(filter, channel)}`);
      setItems(page.items);
      setCursor(page.next_cursor ?? null);
      setUnread(page.unread_conversations ?? 0);
    } catch (e) {
      setError(e);
    }
  }, [filter, channel]);

  useEffect(() => {
    setItems(null);
    void load();
  }, [load]);

  // Live: any change of a conversation reloads the first page (and the open thread, below).
  useEffect(() => subscribe((event) => {
    if (event === 'inbox:updated') void load();
  }), [load]);

  useEffect(() => {
    document.title = t.documentTitle(unread);
    return () => {
      document.title = he.appName;
    };
  }, [unread, t]);

  useEffect(() => {
    // Only owners and admins may list staff; others can still take a conversation themselves.
    api<{ items: Staff[] }>('/api/users')
      .then((r) => setStaff(Array.isArray(r.items) ? r.items : []))
      .catch(() => setStaff([]));
  }, []);

  async function more() {
    if (!cursor) return;
    try {
      const page = await api<InboxPage>(`/api/inbox?${inboxQuery(filter, channel, cursor)}`);
      setItems((prev) => [...(prev ?? []), ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      setError(e);
    }
  }

  function setFilter(next: Record<string, string>) {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p);
  }

  /** A conversation changed on this page (read, assigned, done): show it at once. */
  function replace(c: InboxConversation) {
    setItems((prev) => prev?.map((x) => (x.id === c.id ? c : x)) ?? prev);
  }

  return (
    <main className={`page inbox ${id ? 'inbox-open' : ''}`}>
      <div className="page-header">
        <h1>{t.title}</h1>
      </div>
      <div className="inbox-layout">
        <section className="inbox-list" aria-label={t.title}>
          <div className="filters" role="group" aria-label={t.filters}>
            {['', ...FILTERS].map((f) => (
              <button
                key={f || 'all'}
                type="button"
                className={`btn ${filter === f ? 'btn-primary' : 'btn-ghost'}`}
                aria-pressed={filter === f}
                onClick={() => setFilter({ filter: f })}
              >
                {t.filter[f || 'all']}
              </button>
            ))}
            <label className="field-inline">
              <span>{t.channelFilter}</span>
              <select value={channel} onChange={(e) => setFilter({ channel: e.target.value })}>
                <option value="">{t.allChannels}</option>
                {CHANNELS.map((c) => (
                  <option key={c} value={c}>
                    {t.channel[c]}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {error ? (
            <ErrorNotice error={error} onRetry={load} />
          ) : !items ? (
            <Loading />
          ) : items.length === 0 ? (
            <p className="empty">{filter || channel ? t.noMatch : t.empty}</p>
          ) : (
            <>
              <ul className="inbox-items">
                {items.map((c) => (
                  <li key={c.id}>
                    <Link
                      to={`/inbox/${c.id}${params.toString() ? `?${params}` : ''}`}
                      className={`card inbox-item ${c.id === id ? 'active' : ''} ${c.unread_count > 0 ? 'unread' : ''}`}
                      aria-current={c.id === id ? 'true' : undefined}
                    >
                      <span className="inbox-who">{c.customer_name ?? (formatPhone(c.counterpart) || t.unknownCustomer)}</span>
                      <span className="badge">{t.channel[c.channel] ?? c.channel}</span>
                      {c.state !== 'open' && <span className={`badge badge-${c.state}`}>{t.state[c.state]}</span>}
                      {c.unread_count > 0 && (
                        <span className="badge inbox-unread" aria-label={t.unread(c.unread_count)}>
                          {c.unread_count}
                        </span>
                      )}
                      <span className="inbox-preview muted">{c.last_preview}</span>
                      <span className="inbox-time muted">{formatDateTime(c.last_activity_at)}</span>
                    </Link>
                  </li>
                ))}
              </ul>
              {cursor && (
                <button type="button" className="btn btn-ghost" onClick={() => void more()}>
                  {t.more}
                </button>
              )}
            </>
          )}
        </section>
        <section className="inbox-thread">
          {id ? (
            <Thread id={id} staff={staff} onChange={replace} onRead={() => setUnread((n) => Math.max(0, n - 1))} />
          ) : (
            <p className="empty">{t.pick}</p>
          )}
        </section>
      </div>
    </main>
  );
}

function Thread({
  id,
  staff,
  onChange,
  onRead,
}: {
  id: string;
  staff: Staff[];
  onChange: (c: InboxConversation) => void;
  onRead: () => void;
}) {
  const [thread, setThread] = useState<InboxThread | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const me = getUser();
  const t = he.inbox;
  // The page's callbacks change every render; the loader must not.
  const callbacks = useRef({ onChange, onRead });
  callbacks.current = { onChange, onRead };

  const load = useCallback(async () => {
    try {
      const th = await api<InboxThread>(`/api/inbox/${id}`);
      setThread(th);
      setError(null);
      // Reading it open marks it read (again when something new arrives while it is open).
      if (th.conversation && th.conversation.unread_count > 0) {
        const read = await api<InboxConversation>(`/api/inbox/${id}/read`, { method: 'POST' });
        setThread({ ...th, conversation: read });
        callbacks.current.onChange(read);
        callbacks.current.onRead();
      }
    } catch (e) {
      setError(e);
    }
  }, [id]);

  useEffect(() => {
    setThread(null);
    void load();
  }, [load]);

  useEffect(() => subscribe((event, data) => {
    if (event === 'inbox:updated' && data.conversation_id === id) void load();
  }), [id, load]);

  async function update(patch: Record<string, unknown>) {
    setBusy(true);
    setNotice(null);
    try {
      const c = await api<InboxConversation>(`/api/inbox/${id}`, { method: 'PUT', body: patch });
      setThread((th) => (th ? { ...th, conversation: c } : th));
      onChange(c);
    } catch (e) {
      setNotice(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function send(e: FormEvent) {
    e.preventDefault();
    const c = thread?.conversation;
    if (!c || !reply.trim()) return;
    setBusy(true);
    setNotice(null);
    try {
      await api('/api/whatsapp/send', { method: 'POST', body: { to: c.customer_id ?? c.counterpart, text: reply.trim() } });
      setReply('');
      setNotice(t.sent);
    } catch (err) {
      setNotice(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (error) return <ErrorNotice error={error} onRetry={load} />;
  if (!thread?.conversation) return <Loading />;
  const c = thread.conversation;
  const people = [...staff];
  if (me && !people.some((p) => p.id === me.id)) people.unshift({ id: me.id, name: t.me });

  return (
    <article className="card thread" aria-label={c.customer_name ?? c.counterpart}>
      <header className="thread-header">
        <button type="button" className="btn btn-ghost thread-back" onClick={() => navigate(`/inbox${params.toString() ? `?${params}` : ''}`)}>
          {t.back}
        </button>
        <h2>{c.customer_name ?? (formatPhone(c.counterpart) || t.unknownCustomer)}</h2>
        <span className={`badge badge-${c.state}`}>{t.state[c.state]}</span>
        {c.customer_id && <Link to={`/crm/customers/${c.customer_id}`}>{t.openCustomer}</Link>}
      </header>
      <div className="thread-actions">
        <label className="field-inline">
          <span>{t.assignee}</span>
          <select value={c.assignee_id ?? ''} disabled={busy} onChange={(e) => void update({ assignee_id: e.target.value || null })}>
            <option value="">{t.nobody}</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id === me?.id ? t.me : p.name}
              </option>
            ))}
          </select>
        </label>
        {c.state === 'done' ? (
          <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => void update({ state: 'open' })}>
            {t.reopen}
          </button>
        ) : (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void update({ state: 'done' })}>
            {t.markDone}
          </button>
        )}
      </div>
      {c.channel === 'whatsapp' ? (
        <>
          <ol className="messages">
            {thread.messages.map((m) => (
              <li key={m.id} className={`message message-${m.direction}`}>
                <span className="message-who muted">{m.direction === 'outbound' ? t.you : t.caller}</span>
                <span className="message-body">{m.body}</span>
                <span className="message-time muted">{formatDateTime(m.created_at)}</span>
              </li>
            ))}
          </ol>
          <form className="reply" onSubmit={(e) => void send(e)}>
            <label className="field">
              <span>{t.reply}</span>
              <textarea value={reply} placeholder={t.replyPlaceholder} rows={2} onChange={(e) => setReply(e.target.value)} />
            </label>
            <button type="submit" className="btn btn-primary" disabled={busy || !reply.trim()}>
              {he.send}
            </button>
          </form>
        </>
      ) : (
        <div className="call-thread">
          {thread.call && <p className="muted">{t.callSummary(thread.call.status, thread.call.duration_seconds)}</p>}
          {thread.turns.length > 0 ? (
            <ol className="messages">
              {thread.turns.map((turn, i) => (
                <li key={i} className="turn">
                  {turn.caller_text && (
                    <p className="message message-inbound">
                      <span className="message-who muted">{t.caller}</span> <span className="message-body">{turn.caller_text}</span>
                    </p>
                  )}
                  <p className="message message-outbound">
                    <span className="message-who muted">{t.agent}</span> <span className="message-body">{turn.ai_reply}</span>
                  </p>
                </li>
              ))}
            </ol>
          ) : thread.call?.transcript ? (
            <>
              <h4>{t.transcript}</h4>
              <p className="transcript">{thread.call.transcript}</p>
            </>
          ) : (
            <p className="muted">{t.noTranscript}</p>
          )}
        </div>
      )}
      {notice && <p className="notice" role="status">{notice}</p>}
    </article>
  );
}
