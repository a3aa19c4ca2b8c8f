//! The one diesel schema, shared by both backends. Written by hand to match
//! `migrations/{postgres,sqlite}/*/up.sql` (keep the three in step): ids are `Text` (UUIDv7),
//! timestamps are `Timestamp` holding UTC, money is `BigInt` agorot, JSON-ish columns are `Text`.

diesel::table! {
    businesses (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        greeting_text -> Text,
        knowledge_qa -> Text,
        twilio_numbers -> Text,
        vat_rate_bp -> Integer,
        crm_enabled -> Bool,
        whatsapp_enabled -> Bool,
        signature_enabled -> Bool,
        invoices_enabled -> Bool,
        contracts_enabled -> Bool,
        voice_enabled -> Bool,
        proposals_enabled -> Bool,
        calendar_enabled -> Bool,
        reports_enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        voice_mode -> Text,
        agent_voice -> Text,
        legal_name -> Text,
        tax_id -> Text,
        address -> Text,
        vat_status -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        business_id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        session_version -> Integer,
        deactivated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        business_id -> Text,
        name -> Text,
        phone -> Text,
        email -> Nullable<Text>,
        status -> Text,
        source -> Text,
        notes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        business_id -> Text,
        customer_id -> Text,
        number -> Nullable<BigInt>,
        status -> Text,
        items -> Text,
        subtotal_agorot -> BigInt,
        vat_agorot -> BigInt,
        total_agorot -> BigInt,
        vat_rate_bp -> Integer,
        issued_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        doc_type -> Text,
        payment_method -> Nullable<Text>,
        credited_invoice_id -> Nullable<Text>,
        customer_tax_id -> Nullable<Text>,
        parties -> Nullable<Text>,
        allocation_status -> Nullable<Text>,
        allocation_number -> Nullable<Text>,
        allocation_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// The last number given out per business and document type (migration 000310).
    document_counters (business_id, doc_type) {
        business_id -> Text,
        doc_type -> Text,
        last_number -> BigInt,
    }
}

diesel::table! {
    contracts (id) {
        id -> Text,
        business_id -> Text,
        customer_id -> Text,
        title -> Text,
        body -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    proposals (id) {
        id -> Text,
        business_id -> Text,
        customer_id -> Text,
        title -> Text,
        items -> Text,
        total_agorot -> BigInt,
        status -> Text,
        valid_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    signatures (id) {
        id -> Text,
        business_id -> Text,
        contract_id -> Nullable<Text>,
        proposal_id -> Nullable<Text>,
        token_hash -> Text,
        signer_name -> Nullable<Text>,
        signer_ip -> Nullable<Text>,
        image_png -> Nullable<Binary>,
        document_sha256 -> Nullable<Text>,
        signed_at -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appointments (id) {
        id -> Text,
        business_id -> Text,
        customer_id -> Nullable<Text>,
        title -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        notes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// When the customer confirmed it by replying to a reminder (migration 2026-12-04-000400).
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        business_id -> Text,
        customer_id -> Nullable<Text>,
        title -> Text,
        due_at -> Nullable<Timestamp>,
        done -> Bool,
        assignee_id -> Nullable<Text>,
        notified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    calls (id) {
        id -> Text,
        business_id -> Text,
        twilio_sid -> Text,
        customer_id -> Nullable<Text>,
        direction -> Text,
        from_number -> Text,
        to_number -> Text,
        status -> Text,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        duration_seconds -> Integer,
        recording_url -> Nullable<Text>,
        transcript -> Nullable<Text>,
        transcript_status -> Text,
        ai_replies -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    whatsapp_messages (id) {
        id -> Text,
        business_id -> Text,
        provider_message_id -> Text,
        customer_id -> Nullable<Text>,
        direction -> Text,
        from_number -> Text,
        to_number -> Text,
        body -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        subject -> Text,
        payload -> Binary,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    processed_events (consumer, event_id) {
        consumer -> Text,
        event_id -> Text,
        processed_at -> Timestamp,
    }
}

diesel::joinable!(users -> businesses (business_id));
diesel::joinable!(customers -> businesses (business_id));
diesel::joinable!(invoices -> customers (customer_id));
diesel::joinable!(contracts -> customers (customer_id));
diesel::joinable!(proposals -> customers (customer_id));
diesel::joinable!(appointments -> customers (customer_id));
diesel::joinable!(tasks -> customers (customer_id));
diesel::joinable!(calls -> customers (customer_id));
diesel::joinable!(whatsapp_messages -> customers (customer_id));

diesel::table! {
    /// Customers per business and status, kept by triggers (migration 000108).
    customer_counts (business_id, status) {
        business_id -> Text,
        status -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    /// A call the business's knowledge could not fully answer; `task_id` once its follow-up
    /// task exists (migration 000200).
    call_follow_ups (call_id) {
        call_id -> Text,
        business_id -> Text,
        question -> Text,
        task_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Baileys auth state per business (migration 000400).
    whatsapp_auth_state (business_id, key) {
        business_id -> Text,
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// `@lid` identity → E.164 phone, per business (migration 000400).
    whatsapp_lid_phones (business_id, lid) {
        business_id -> Text,
        lid -> Text,
        phone -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A business's WhatsApp Cloud API `phone_number_id` (migration 000401).
    whatsapp_cloud_numbers (phone_number_id) {
        phone_number_id -> Text,
        business_id -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(whatsapp_auth_state -> businesses (business_id));

diesel::allow_tables_to_appear_in_same_query!(
    customer_counts,
    businesses,
    users,
    customers,
    invoices,
    document_counters,
    contracts,
    proposals,
    signatures,
    appointments,
    tasks,
    calls,
    whatsapp_messages,
    outbox,
    processed_events,
    whatsapp_auth_state,
    whatsapp_lid_phones,
);

diesel::table! {
    /// Web Push subscriptions of staff browsers (migration 000301).
    push_subscriptions (id) {
        id -> Text,
        business_id -> Text,
        user_id -> Text,
        endpoint -> Text,
        p256dh -> Text,
        auth -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The answered turns of a call, in order (migration 000520).
    call_turns (call_id, seq) {
        call_id -> Text,
        seq -> Integer,
        caller_text -> Text,
        ai_reply -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(call_turns -> calls (call_id));
diesel::allow_tables_to_appear_in_same_query!(call_turns, calls);

diesel::table! {
    /// Which whatsapp-bridge replica holds a business's WhatsApp socket (migration 000530).
    whatsapp_session_leases (business_id) {
        business_id -> Text,
        holder -> Text,
        holder_addr -> Text,
        expires_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(whatsapp_session_leases -> businesses (business_id));
diesel::allow_tables_to_appear_in_same_query!(whatsapp_session_leases, businesses);

diesel::table! {
    /// A business's opening hours as HoursSettings JSON (migration 000210 of 2026-12-02).
    business_hours (business_id) {
        business_id -> Text,
        settings -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(business_hours -> businesses (business_id));
diesel::allow_tables_to_appear_in_same_query!(business_hours, businesses);

diesel::table! {
    /// The AI agent of a business (migration 2026-12-02-000110).
    agent_definitions (business_id) {
        business_id -> Text,
        persona -> Text,
        instructions -> Text,
        allowed_actions -> Text,
        whatsapp_agent_enabled -> Bool,
        staff_silence_minutes -> Integer,
        handoff_phone -> Text,
        appointment_minutes -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// What the AI agent did, on the customer's timeline (migration 2026-12-02-000110).
    agent_actions (id) {
        id -> Text,
        business_id -> Text,
        customer_id -> Nullable<Text>,
        channel -> Text,
        conversation_ref -> Text,
        turn_ref -> Text,
        turn_text -> Text,
        tool_call_id -> Text,
        tool -> Text,
        arguments -> Text,
        result -> Text,
        summary -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The agent's state in one customer's conversation (migration 2026-12-02-000110).
    agent_conversations (business_id, customer_id) {
        business_id -> Text,
        customer_id -> Text,
        paused -> Bool,
        waiting_for_human -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The stored PDF of an issued document (migration 000311).
    document_pdfs (document_id) {
        document_id -> Text,
        business_id -> Text,
        original -> Binary,
        copy -> Binary,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(document_pdfs -> businesses (business_id));
diesel::allow_tables_to_appear_in_same_query!(document_pdfs, businesses);

diesel::table! {
    /// The inbox's conversations: a WhatsApp thread per customer, a call each (migration
    /// 2026-12-03-000200).
    conversations (id) {
        id -> Text,
        business_id -> Text,
        channel -> Text,
        thread_key -> Text,
        customer_id -> Nullable<Text>,
        call_id -> Nullable<Text>,
        counterpart -> Text,
        state -> Text,
        assignee_id -> Nullable<Text>,
        last_activity_at -> Timestamp,
        last_preview -> Text,
        last_direction -> Text,
        inbound_count -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// How far each staff member read a conversation (migration 2026-12-03-000200).
    conversation_reads (user_id, conversation_id) {
        user_id -> Text,
        conversation_id -> Text,
        last_read_at -> Timestamp,
        inbound_seen -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(conversations, conversation_reads);
diesel::allow_tables_to_appear_in_same_query!(conversations, customers);
diesel::allow_tables_to_appear_in_same_query!(conversations, calls);
diesel::allow_tables_to_appear_in_same_query!(conversation_reads, customers);
diesel::allow_tables_to_appear_in_same_query!(conversation_reads, calls);

diesel::table! {
    /// A caller's message left while the business was closed, and its task (migration
    /// 2026-12-04-000300).
    call_messages (call_id) {
        call_id -> Text,
        business_id -> Text,
        task_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The WhatsApp auto-reply per customer per closed period (migration 2026-12-03-000400).
    whatsapp_closure_replies (business_id, customer_id, reopens_at) {
        business_id -> Text,
        customer_id -> Text,
        reopens_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The summary of a completed call (migration 2026-12-04-000200).
    call_summaries (call_id) {
        call_id -> Text,
        business_id -> Text,
        status -> Text,
        summary -> Text,
        follow_ups -> Text,
        source -> Text,
        attempts -> Integer,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(call_summaries -> calls (call_id));
diesel::allow_tables_to_appear_in_same_query!(call_summaries, calls);

diesel::table! {
    /// A CSV import of customers, from preview to done (migration 2026-12-04-000500).
    customer_imports (id) {
        id -> Text,
        business_id -> Text,
        status -> Text,
        file_name -> Text,
        encoding -> Text,
        delimiter -> Text,
        content -> Text,
        options -> Text,
        total_rows -> BigInt,
        planned_rows -> BigInt,
        processed_rows -> BigInt,
        created_count -> BigInt,
        merged_count -> BigInt,
        skipped_count -> BigInt,
        error_count -> BigInt,
        failure -> Nullable<Text>,
        lease_holder -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The rows an import could not take (migration 2026-12-04-000500).
    customer_import_errors (import_id, row_number) {
        import_id -> Text,
        row_number -> BigInt,
        field -> Text,
        message -> Text,
        raw -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(customer_imports, customer_import_errors);

diesel::table! {
    /// Documents waiting for their allocation number from the Tax Authority (migration 000600).
    allocation_requests (invoice_id) {
        invoice_id -> Text,
        business_id -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// A business's OAuth2 authorisation at the Tax Authority, tokens encrypted (migration 000600).
    tax_authority_connections (business_id) {
        business_id -> Text,
        access_token -> Text,
        refresh_token -> Text,
        access_expires_at -> Timestamp,
        connected_by -> Text,
        connected_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    /// Connects in progress: the SHA-256 of their OAuth2 `state` (migration 000600).
    tax_authority_oauth_states (state_sha256) {
        state_sha256 -> Text,
        business_id -> Text,
        user_id -> Text,
        expires_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(allocation_requests, invoices);

diesel::table! {
    /// The WhatsApp agent's pending burst per conversation (migration 2026-12-04-000100).
    agent_turns (business_id, customer_id) {
        business_id -> Text,
        customer_id -> Text,
        last_message_id -> Text,
        last_inbound_at -> Timestamp,
        pending -> Bool,
        claimed_by -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        attempts -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Outbound WhatsApp messages the agent sent (migration 2026-12-04-000100).
    agent_sent_messages (business_id, provider_message_id) {
        business_id -> Text,
        provider_message_id -> Text,
        action_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(whatsapp_messages, agent_sent_messages);

diesel::table! {
    /// Per-business reminder settings (migration 2026-12-04-000400).
    reminder_settings (business_id) {
        business_id -> Text,
        enabled -> Bool,
        template -> Text,
        lead_minutes -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Customers who opted out of reminders (migration 2026-12-04-000400).
    reminder_opt_outs (business_id, customer_id) {
        business_id -> Text,
        customer_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Each reminder of an appointment at one start time (migration 2026-12-04-000400).
    appointment_reminders (id) {
        id -> Text,
        business_id -> Text,
        appointment_id -> Text,
        customer_id -> Text,
        lead_minutes -> Integer,
        appointment_starts_at -> Timestamp,
        sent -> Bool,
        to_number -> Text,
        body -> Text,
        created_at -> Timestamp,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// WhatsApp messages scheduled from the customer page (migration 2026-12-04-000400).
    scheduled_messages (id) {
        id -> Text,
        business_id -> Text,
        customer_id -> Text,
        body -> Text,
        send_at -> Timestamp,
        status -> Text,
        sent_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}
