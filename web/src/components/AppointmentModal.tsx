import { useEffect, useId, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { fromLocalInput, toLocalInput } from '../lib/calendar';
import type { Appointment, Customer, Page } from '../lib/types';
import { ErrorNotice } from './Notice';
import { Modal } from './Modal';
import { useToast } from './Toasts';

type Field = 'title' | 'starts_at' | 'ends_at';

/** Validates the form; returns the errors by field (empty when it can be sent). */
export function validateAppointment(form: { title: string; starts: string; ends: string }): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!form.title.trim()) errors.title = he.required;
  const starts = fromLocalInput(form.starts);
  const ends = fromLocalInput(form.ends);
  if (!starts) errors.starts_at = he.required;
  if (!ends) errors.ends_at = he.required;
  else if (starts && ends <= starts) errors.ends_at = he.calendar.endBeforeStart;
  return errors;
}

function initialForm(start: Date, appointment?: Appointment) {
  if (appointment) {
    const starts = appointment.starts_at ? new Date(appointment.starts_at) : start;
    const ends = appointment.ends_at ? new Date(appointment.ends_at) : new Date(starts.getTime() + 60 * 60 * 1000);
    return {
      title: appointment.title,
      customer_id: appointment.customer_id ?? '',
      starts: toLocalInput(starts),
      ends: toLocalInput(ends),
      notes: appointment.notes,
    };
  }
  return { title: '', customer_id: '', starts: toLocalInput(start), ends: toLocalInput(new Date(start.getTime() + 60 * 60 * 1000)), notes: '' };
}

/**
 * A new appointment from `start` (an hour long by default), with an optional customer; or, given
 * `appointment`, that appointment to change or delete. `onSaved` runs after any change.
 */
export function AppointmentModal({
  start,
  appointment,
  onClose,
  onSaved,
}: {
  start: Date;
  appointment?: Appointment;
  onClose: () => void;
  onSaved: () => void;
}) {
  const toast = useToast();
  const [form, setForm] = useState(() => initialForm(start, appointment));
  const [customers, setCustomers] = useState<Customer[] | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    // The customer list is optional: without the CRM the appointment simply has no customer.
    api<Page<Customer>>('/api/crm/customers?limit=100').then(
      (page) => live && setCustomers([...page.items].sort((a, b) => a.name.localeCompare(b.name, 'he'))),
      () => live && setCustomers(null),
    );
    return () => {
      live = false;
    };
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateAppointment(form);
    setErrors(found);
    setError(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    const body = {
      title: form.title.trim(),
      starts_at: fromLocalInput(form.starts)!.toISOString(),
      ends_at: fromLocalInput(form.ends)!.toISOString(),
      customer_id: form.customer_id || null,
      notes: form.notes,
    };
    try {
      if (appointment) {
        await api<Appointment>(`/api/appointments/${appointment.id}`, { method: 'PATCH', body });
        toast(he.calendar.updated, 'success');
      } else {
        await api<Appointment>('/api/appointments', { method: 'POST', body });
        toast(he.calendar.created, 'success');
      }
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && (err.field === 'title' || err.field === 'starts_at' || err.field === 'ends_at')) {
        setErrors({ [err.field]: err.message });
      } else setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!appointment) return;
    setBusy(true);
    setError(null);
    try {
      await api(`/api/appointments/${appointment.id}`, { method: 'DELETE' });
      toast(he.calendar.removed, 'success');
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const id = useId();
  const described = (field: Field) => (errors[field] ? `appt-${field}-error` : undefined);
  const fieldError = (field: Field) =>
    errors[field] ? (
      <span id={`appt-${field}-error`} className="field-error">
        {errors[field]}
      </span>
    ) : null;

  return (
    <Modal title={appointment ? he.calendar.edit : he.calendar.newAppointment} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <div className="field">
          <label htmlFor={`${id}-title`}>{he.calendar.subject}</label>
          <input
            id={`${id}-title`}
            name="title"
            value={form.title}
            aria-invalid={Boolean(errors.title)}
            aria-describedby={described('title')}
            onChange={(e) => setForm({ ...form, title: e.target.value })}
          />
          {fieldError('title')}
        </div>
        {customers && (
          <label className="field">
            <span>{he.calendar.customer}</span>
            <select value={form.customer_id} onChange={(e) => setForm({ ...form, customer_id: e.target.value })}>
              <option value="">{he.calendar.noCustomer}</option>
              {customers.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-starts`}>{he.calendar.starts}</label>
            <input
              id={`${id}-starts`}
              type="datetime-local"
              value={form.starts}
              aria-invalid={Boolean(errors.starts_at)}
              aria-describedby={described('starts_at')}
              onChange={(e) => setForm({ ...form, starts: e.target.value })}
            />
            {fieldError('starts_at')}
          </div>
          <div className="field">
            <label htmlFor={`${id}-ends`}>{he.calendar.ends}</label>
            <input
              id={`${id}-ends`}
              type="datetime-local"
              value={form.ends}
              aria-invalid={Boolean(errors.ends_at)}
              aria-describedby={described('ends_at')}
              onChange={(e) => setForm({ ...form, ends: e.target.value })}
            />
            {fieldError('ends_at')}
          </div>
        </div>
        <label className="field">
          <span>{he.calendar.notes}</span>
          <textarea rows={2} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} />
        </label>
        {error ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {appointment ? he.save : he.create}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {he.cancel}
          </button>
          {appointment && (
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void remove()}>
              {he.calendar.remove}
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}
