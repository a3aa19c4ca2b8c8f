// The API's shapes the app uses (see /api/openapi.json).

export interface Page<T> {
  page: number;
  limit: number;
  total: number;
  items: T[];
}

export interface Customer {
  id: string;
  name: string;
  phone: string;
  email: string | null;
  status: string;
  source: string;
  notes: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface Features {
  crm_enabled: boolean;
  whatsapp_enabled: boolean;
  signature_enabled: boolean;
  invoices_enabled: boolean;
  contracts_enabled: boolean;
  voice_enabled: boolean;
  proposals_enabled: boolean;
  calendar_enabled: boolean;
  reports_enabled: boolean;
}

export interface Knowledge {
  q: string;
  a: string;
}

/** How calls run; `null` is automatic (realtime when the server has a realtime engine, else record). */
export type VoiceMode = 'realtime' | 'record';

export interface Business {
  id: string;
  name: string;
  vat_rate_bp: number;
  features: Features;
  greeting_text?: string;
  /** E.164 */
  twilio_numbers?: string[];
  knowledge?: Knowledge[];
  voice_mode?: VoiceMode | null;
  /** The voice the agent speaks with; empty is the engine's default. */
  agent_voice?: string;
}

export interface Appointment {
  id: string;
  customer_id: string | null;
  title: string;
  starts_at: string | null;
  ends_at: string | null;
  notes: string;
}

export interface AppointmentRange {
  from: string | null;
  to: string | null;
  items: Appointment[];
}

export interface Task {
  id: string;
  title: string;
  due_at: string | null;
  done: boolean;
  customer_id: string | null;
}

export interface Proposal {
  id: string;
  customer_id: string;
  title: string;
  items: LineItem[];
  total_agorot: number;
  status: string;
  valid_until: string | null;
  created_at: string | null;
}

export interface Contract {
  id: string;
  customer_id: string;
  title: string;
  status: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface SignatureLink {
  signature_id: string;
  url: string;
  token: string;
}

export interface LineItem {
  description: string;
  quantity: number;
  unit_price_agorot: number;
}

interface TimelineBase {
  id: string;
  ts: string | null;
}

export interface CallItem extends TimelineBase {
  type: 'call';
  direction: string;
  from_number: string;
  to_number: string;
  status: string;
  started_at: string | null;
  ended_at?: string | null;
  duration_seconds: number;
  recording_url: string | null;
  transcript: string | null;
  transcript_status?: string;
  ai_replies: string[];
}

export interface WhatsAppItem extends TimelineBase {
  type: 'whatsapp';
  direction: string;
  body: string;
  status: string;
  created_at: string | null;
  /** WhatsApp's id of the message: how a message just sent is recognised once it is stored. */
  provider_message_id?: string;
}

export interface TaskItem extends TimelineBase {
  type: 'task';
  title: string;
  due_at: string | null;
  done: boolean;
}

export interface ContractItem extends TimelineBase {
  type: 'contract';
  title: string;
  status: string;
}

export interface InvoiceItem extends TimelineBase {
  type: 'invoice';
  number: number | null;
  status: string;
  items: LineItem[];
  subtotal_agorot: number;
  vat_agorot: number;
  total_agorot: number;
  vat_rate_bp: number;
}

export type TimelineItem = CallItem | WhatsAppItem | TaskItem | ContractItem | InvoiceItem;

export interface ReportSummary {
  from: string | null;
  to: string | null;
  new_customers: number;
  calls: { total: number; answered: number; missed: number; average_duration_seconds: number };
  whatsapp: { inbound: number; outbound: number };
  tasks: { done: number; overdue: number };
  invoices: { issued: number; issued_total_agorot: number; paid: number; paid_total_agorot: number };
}
