// The API's shapes the app uses: generated from the gateway's OpenAPI document (api-schema.ts,
// `npm run gen:api`), except the timeline's items, whose per-type fields the document does not spell out.

import type { components } from './api-schema';

type Schemas = components['schemas'];

export interface Page<T> {
  page: number;
  limit: number;
  total: number;
  items: T[];
}

export type Customer = Schemas['Customer'];

export type Features = Schemas['Features'];

export type Knowledge = Schemas['Knowledge'];

/** How calls run; `null` is automatic (realtime when the server has a realtime engine, else record). */
export type VoiceMode = Schemas['VoiceMode'];

export type Business = Schemas['Business'];

export type Appointment = Schemas['Appointment'];

export type AppointmentRange = Schemas['AppointmentRange'];

export type Task = Schemas['Task'];

export type InboxConversation = Schemas['InboxConversation'];

export type InboxPage = Schemas['InboxPage'];

export type InboxThread = Schemas['InboxThread'];

export type WhatsAppMessage = Schemas['WhatsAppMessage'];

export type Proposal = Schemas['Proposal'];

export type Contract = Schemas['Contract'];

export type SignatureLink = Schemas['SignatureLink'];

export type LineItem = Schemas['LineItem'];

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
  /** Once the call completed; null while it goes on (and for calls from before summaries). */
  summary?: CallSummary | null;
}

/** The summary of a completed call. */
export interface CallSummary {
  /** pending (being made) | done */
  status: string;
  text: string;
  /** What the agent promised that staff must still do. */
  follow_ups: string[];
  /** llm | fallback (made without a language model) */
  source: string;
  updated_at: string | null;
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
  /** Issued documents that need a Tax Authority allocation number. */
  allocation_status?: 'awaiting' | 'allocated' | 'refused' | null;
  allocation_number?: string | null;
  allocation_reason?: string | null;
}

export type TaxAuthorityStatus = Schemas['TaxAuthorityStatus'];

/** Something the AI agent did, with the turn or message that caused it. */
export interface AgentItem extends TimelineBase {
  type: 'agent';
  tool: string;
  summary: string;
  channel: string;
  turn_text: string;
}

export type TimelineItem = CallItem | WhatsAppItem | TaskItem | ContractItem | InvoiceItem | AgentItem;

export type AgentDefinition = Schemas['AgentDefinition'];

export type AgentConversation = Schemas['AgentConversation'];

export type ReportSummary = Schemas['ReportSummary'];

export type Today = Schemas['Today'];

export type TodayCall = Schemas['TodayCall'];
