// Generated from web/openapi.json by `npm run gen:api` (scripts/api-types.mjs). Do not edit.

export interface paths {
    "/api/appointments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/appointments?from=&to=&customer_id=`: the appointments overlapping `[from, to)`. */
        get: operations["get_api_appointments"];
        put?: never;
        /** `POST /api/appointments` → 201. */
        post: operations["post_api_appointments"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/appointments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/appointments/{id}` */
        get: operations["get_api_appointments_id"];
        put?: never;
        post?: never;
        /** `DELETE /api/appointments/{id}` → 204. */
        delete: operations["delete_api_appointments_id"];
        options?: never;
        head?: never;
        /** `PATCH /api/appointments/{id}`: only the fields given change. */
        patch: operations["patch_api_appointments_id"];
        trace?: never;
    };
    "/api/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/auth/login {email, password}` → `{token, user}`. */
        post: operations["post_api_auth_login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/auth/logout` → 204: ends every session of the signed-in user (all devices): their
         *     tokens stop working and their live notification connections close.
         */
        post: operations["post_api_auth_logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/business": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/business`: the settings of the signed-in user's business. */
        get: operations["get_api_business"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * `PATCH /api/business` (owner or admin): name, greeting, VAT rate, knowledge Q&A, Twilio
         *     numbers, voice mode and agent voice, feature flags. A request with one invalid field changes
         *     nothing.
         *     Feature flags can always be changed here, even `crm_enabled` — otherwise a business that
         *     switched the CRM off could never switch it back on.
         */
        patch: operations["patch_api_business"];
        trace?: never;
    };
    "/api/business/agent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/business/agent` (owner or admin): the agent's definition. */
        get: operations["get_api_business_agent"];
        /**
         * `PUT /api/business/agent` (owner or admin): replaces the agent's definition; one invalid field
         *     is a 422 naming it and changes nothing.
         */
        put: operations["put_api_business_agent"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/business/hours": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/business/hours?from=&to=`: the open intervals and closures (with Hebrew names) of a range. */
        get: operations["get_api_business_hours"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/business/hours/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/business/hours/settings`: the weekly hours, city, Shabbat/holiday customs and one-off dates. */
        get: operations["get_api_business_hours_settings"];
        /**
         * `PUT /api/business/hours/settings` (owner or admin): replaces the settings whole. Times are
         *     `HH:MM` (Israel time); a range must end after it starts on the same day (`24:00` is the end of the
         *     day) — a range past midnight is refused, not split: give `22:00`–`24:00` and `00:00`–`02:00` on
         *     the next day. Overlapping ranges, an unknown city, a day or a date that does not exist are a 422
         *     naming the problem, and nothing is saved.
         */
        put: operations["put_api_business_hours_settings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/business/hours/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/business/hours/status?at=`: open or closed at an instant (default now), why, and until when. */
        get: operations["get_api_business_hours_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/business/reminders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/business/reminders`: the appointment-reminder settings. */
        get: operations["get_api_business_reminders"];
        /**
         * `PUT /api/business/reminders` (owner or admin): replaces the settings whole. Reminders go out
         *     over WhatsApp at each lead time before an appointment with a customer — never during Shabbat or
         *     a holiday (an hour before it begins instead) — and the customer may answer 1/כן (confirm),
         *     2/לא (cancel) or הסר (no more reminders).
         */
        put: operations["put_api_business_reminders"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/calls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/calls` → 202 with Twilio's call SID. */
        post: operations["post_api_calls"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/contracts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/contracts?page=&limit=&customer_id=&status=&sort=` */
        get: operations["get_api_contracts"];
        put?: never;
        /** `POST /api/contracts` → 201 with a draft. */
        post: operations["post_api_contracts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/contracts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/contracts/{id}` */
        get: operations["get_api_contracts_id"];
        put?: never;
        post?: never;
        /** `DELETE /api/contracts/{id}` → 204; a signed contract is a record and stays. */
        delete: operations["delete_api_contracts_id"];
        options?: never;
        head?: never;
        /** `PATCH /api/contracts/{id}`: only the fields given change. */
        patch: operations["patch_api_contracts_id"];
        trace?: never;
    };
    "/api/contracts/{id}/signature-link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/contracts/{id}/signature-link` → 201 with a one-time public link that expires
         *     after `SIGNATURE_LINK_TTL_DAYS`; a draft contract becomes `sent`, and the contract's earlier
         *     pending links are revoked.
         */
        post: operations["post_api_contracts_id_signature_link"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/contracts/{id}/signatures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/contracts/{id}/signatures` → the contract's signature requests, newest first. */
        get: operations["get_api_contracts_id_signatures"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/crm/customers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/crm/customers?page=&limit=&q=&status=` or `?after=<cursor>&…`: pages by number, or
         *     (for scrolling deep into a large list) after the `X-Next-Cursor` of the previous page; or
         *     `?ids=a,b,c`: just those customers (the names behind a page of another list, in one request).
         */
        get: operations["get_api_crm_customers"];
        put?: never;
        /** `POST /api/crm/customers` → 201 with the customer. */
        post: operations["post_api_crm_customers"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/crm/customers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/crm/customers/{id}` */
        get: operations["get_api_crm_customers_id"];
        put?: never;
        post?: never;
        /** `DELETE /api/crm/customers/{id}` → 204. */
        delete: operations["delete_api_crm_customers_id"];
        options?: never;
        head?: never;
        /** `PATCH /api/crm/customers/{id}`: only the fields given change. */
        patch: operations["patch_api_crm_customers_id"];
        trace?: never;
    };
    "/api/crm/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/crm/imports?file_name=`: the body is the CSV file itself (`text/csv`, any of the
         *     encodings and separators Excel writes). Answers 201 with a draft import and its preview.
         */
        post: operations["post_api_crm_imports"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/crm/imports/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/crm/imports/{id}`: the import's state and progress. */
        get: operations["get_api_crm_imports_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/crm/imports/{id}/errors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/crm/imports/{id}/errors`: the rows that could not be imported, as CSV. */
        get: operations["get_api_crm_imports_id_errors"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/crm/imports/{id}/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/crm/imports/{id}/preview`: the draft's preview under another mapping. */
        post: operations["post_api_crm_imports_id_preview"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/crm/imports/{id}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/crm/imports/{id}/start` → 202: the import is queued as a background job; poll
         *     `GET /api/crm/imports/{id}` for its progress.
         */
        post: operations["post_api_crm_imports_id_start"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers/{id}/agent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/customers/{id}/agent`: the agent's state in this customer's conversation. */
        get: operations["get_api_customers_id_agent"];
        /** `PUT /api/customers/{id}/agent {paused}`: staff pause or resume the agent for this customer. */
        put: operations["put_api_customers_id_agent"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers/{id}/calls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/customers/{id}/calls?page=&limit=`: newest first. */
        get: operations["get_api_customers_id_calls"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers/{id}/scheduled-messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/customers/{id}/scheduled-messages`: the customer's scheduled WhatsApp messages. */
        get: operations["get_api_customers_id_scheduled_messages"];
        put?: never;
        /**
         * `POST /api/customers/{id}/scheduled-messages` → 201: a WhatsApp message to the customer, sent
         *     once at `send_at`.
         */
        post: operations["post_api_customers_id_scheduled_messages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers/{id}/scheduled-messages/{message_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * `DELETE /api/customers/{id}/scheduled-messages/{message_id}`: cancels a message not sent yet
         *     (200 with it, `status: cancelled`); one already sent or cancelled is a 409.
         */
        delete: operations["delete_api_customers_id_scheduled_messages_message_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/customers/{id}/timeline?limit=&before=` → a JSON array of
         *     `{kind, id, ts, data}`, newest first; the next page's cursor is in `X-Next-Cursor`.
         */
        get: operations["get_api_customers_id_timeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/customers/{id}/whatsapp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/customers/{id}/whatsapp?page=&limit=`: newest first. */
        get: operations["get_api_customers_id_whatsapp"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/documents/{id}/pdf": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/documents/{id}/pdf?copy=`: the PDF of an issued invoice (any document type) or a
         *     signed contract — Hebrew, right to left, rendered once when it was issued and stored, so
         *     every download is the same bytes (`ETag` = its SHA-256).
         */
        get: operations["get_api_documents_id_pdf"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/exports/{kind}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/exports/{kind}`: everything of one kind as CSV, oldest first. */
        get: operations["get_api_exports_kind"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/inbox?cursor=&limit=&filter=unread,waiting,mine&state=&channel=` */
        get: operations["get_api_inbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inbox/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/inbox/{id}`: the conversation with its WhatsApp messages, or its call (transcript,
         *     the agent's replies, the turns). Reading it does not mark it read.
         */
        get: operations["get_api_inbox_id"];
        /**
         * `PUT /api/inbox/{id}`: assign (or unassign) the conversation, mark it done or reopen it.
         *     Waiting for a human silences the AI agent in that WhatsApp conversation; open or done lets it
         *     answer again.
         */
        put: operations["put_api_inbox_id"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inbox/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/inbox/{id}/read`: the signed-in user has read the conversation (their unread count
         *     of it becomes 0). Read-only users may mark what they read.
         */
        post: operations["post_api_inbox_id_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/invoices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/invoices?page=&limit=&customer_id=&status=&sort=` */
        get: operations["get_api_invoices"];
        put?: never;
        /**
         * `POST /api/invoices` → 201 with a draft document (numbered in its type's sequence when it
         *     is sent).
         */
        post: operations["post_api_invoices"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/invoices/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/invoices/{id}` */
        get: operations["get_api_invoices_id"];
        put?: never;
        post?: never;
        /** `DELETE /api/invoices/{id}` → 204; only a draft (an issued invoice is cancelled instead). */
        delete: operations["delete_api_invoices_id"];
        options?: never;
        head?: never;
        /** `PATCH /api/invoices/{id}`: only the fields given change. */
        patch: operations["patch_api_invoices_id"];
        trace?: never;
    };
    "/api/invoices/numbering": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/invoices/numbering`: the next number of each document type. */
        get: operations["get_api_invoices_numbering"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/invoices/numbering/{doc_type}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * `PUT /api/invoices/numbering/{doc_type}` (owner or admin): where a type's sequence starts —
         *     a business moving from another system continues its own numbers. Only before the type's
         *     first document (409 after).
         */
        put: operations["put_api_invoices_numbering_doc_type"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/me` → the signed-in user and their business. */
        get: operations["get_api_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/proposals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/proposals?page=&limit=&customer_id=&status=&sort=` */
        get: operations["get_api_proposals"];
        put?: never;
        /** `POST /api/proposals` → 201 with a draft. */
        post: operations["post_api_proposals"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/proposals/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/proposals/{id}` */
        get: operations["get_api_proposals_id"];
        put?: never;
        post?: never;
        /** `DELETE /api/proposals/{id}` → 204; an accepted proposal is a record and stays. */
        delete: operations["delete_api_proposals_id"];
        options?: never;
        head?: never;
        /** `PATCH /api/proposals/{id}`: only the fields given change. */
        patch: operations["patch_api_proposals_id"];
        trace?: never;
    };
    "/api/proposals/{id}/signature-link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/proposals/{id}/signature-link` → 201 with a one-time public link that expires
         *     after `SIGNATURE_LINK_TTL_DAYS`; a draft proposal becomes `sent`, its earlier pending links
         *     are revoked, and signing through the link accepts it.
         */
        post: operations["post_api_proposals_id_signature_link"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/proposals/{id}/signatures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/proposals/{id}/signatures` → the proposal's signature requests, newest first. */
        get: operations["get_api_proposals_id_signatures"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/signatures/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/public/signatures/{token}` (no sign-in): the contract or proposal to show before
         *     signing, with the SHA-256 the signer's POST must send back.
         */
        get: operations["get_api_public_signatures_token"];
        put?: never;
        /**
         * `POST /api/public/signatures/{token}` (no sign-in): signs the document once (a contract becomes
         *     `signed`, a proposal `accepted`), recording the signer's name, IP address, drawn signature
         *     (encoded anew), the time and a SHA-256 of the document — only when the SHA-256 the signer
         *     sends is the document's now.
         */
        post: operations["post_api_public_signatures_token"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/push/public-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/push/public-key` */
        get: operations["get_api_push_public_key"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/push/subscribe": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/push/subscribe` → 201 (also for a subscription already stored). */
        post: operations["post_api_push_subscribe"];
        /** `DELETE /api/push/subscribe` → 204 (also when there was no such subscription of this user). */
        delete: operations["delete_api_push_subscribe"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/reports/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/reports/summary?from=&to=`: the business's numbers over `[from, to)`, computed by
         *     the database.
         */
        get: operations["get_api_reports_summary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/signatures/{id}/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/signatures/{id}/image` → the drawn signature (`image/png`); 404 while the request
         *     is not signed.
         */
        get: operations["get_api_signatures_id_image"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/tasks?page=&limit=&customer_id=&done=&due_before=&due_after=&sort=` */
        get: operations["get_api_tasks"];
        put?: never;
        /** `POST /api/tasks` → 201. */
        post: operations["post_api_tasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/tasks/{id}` */
        get: operations["get_api_tasks_id"];
        put?: never;
        post?: never;
        /** `DELETE /api/tasks/{id}` → 204. */
        delete: operations["delete_api_tasks_id"];
        options?: never;
        head?: never;
        /** `PATCH /api/tasks/{id}`: `null` clears `due_at`, `assignee_id` and `customer_id`. */
        patch: operations["patch_api_tasks_id"];
        trace?: never;
    };
    "/api/tax-authority": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/tax-authority`: whether the business is connected. */
        get: operations["get_api_tax_authority"];
        put?: never;
        post?: never;
        /**
         * `DELETE /api/tax-authority` (owner or admin): forgets the business's tokens; its documents
         *     then wait ("not connected") until it connects again.
         */
        delete: operations["delete_api_tax_authority"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tax-authority/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/tax-authority/callback` (owner or admin, the one who started the connect):
         *     completes it with the Authority's code.
         */
        post: operations["post_api_tax_authority_callback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tax-authority/connect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/tax-authority/connect` (owner or admin): starts connecting the business. */
        post: operations["post_api_tax_authority_connect"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/today": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/today?at=` */
        get: operations["get_api_today"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/users` (owner or admin): every user of the business, oldest first. */
        get: operations["get_api_users"];
        put?: never;
        /** `POST /api/users` (owner or admin) → 201: adds a user who signs in with the given password. */
        post: operations["post_api_users"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * `PATCH /api/users/{id}` (owner or admin): name, role, active. The business always keeps one
         *     active owner (409 otherwise).
         */
        patch: operations["patch_api_users_id"];
        trace?: never;
    };
    "/api/whatsapp/cloud-number": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** `PUT /api/whatsapp/cloud-number`: the business's WhatsApp Cloud API number; owners and admins. */
        put: operations["put_api_whatsapp_cloud_number"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/whatsapp/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/whatsapp/send` → 202 with the WhatsApp message id. An `Idempotency-Key` header
         *     makes a retry answer the first result instead of sending twice.
         */
        post: operations["post_api_whatsapp_send"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/whatsapp/session/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/whatsapp/session/logout`: unpair the business's WhatsApp; owners and admins. */
        post: operations["post_api_whatsapp_session_logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/whatsapp/session/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/whatsapp/session/start`: start pairing (or reconnect); owners and admins. */
        post: operations["post_api_whatsapp_session_start"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/whatsapp/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/whatsapp/status`: the business's WhatsApp connection. */
        get: operations["get_api_whatsapp_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up and serving HTTP. */
        get: operations["get_healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ready to serve: crm-svc answers its health check as SERVING (it follows its database and the
         *     event bus). The other services are reported too; one of them down leaves the gateway ready but
         *     `degraded`, so the CRM, the web app and the other features stay up instead of every gateway
         *     replica leaving the load balancer together.
         */
        get: operations["get_readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/call_status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /webhook/call_status`: the call's status, duration and end. */
        post: operations["post_webhook_call_status"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/handle_recording": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /webhook/handle_recording`: one caller turn; the answer's audio and the next
         *     `<Record>`, or a closing sentence and `<Hangup/>`.
         */
        post: operations["post_webhook_handle_recording"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/incoming_call": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /webhook/incoming_call`: the business's greeting, then `<Record>`. */
        post: operations["post_webhook_incoming_call"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/media_stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /webhook/media_stream`: a realtime call's audio both ways (Twilio Media Streams,
         *     WebSocket), bridged to voice-svc, which checks the upgrade's signature and the stream's token.
         *     On Kubernetes the Ingress routes this path straight to voice-svc.
         */
        get: operations["get_webhook_media_stream"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/outbound_connect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /webhook/outbound_connect?to=<customer>`: the agent answered a click-to-call; dial the
         *     customer.
         */
        post: operations["post_webhook_outbound_connect"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/recording_status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /webhook/recording_status`: a realtime call's recording is complete. */
        post: operations["post_webhook_recording_status"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/whatsapp_auth": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /webhook/whatsapp_auth`: the sidecar's auth-state store (get / set / clear / paired) and
         *     its per-business session lease (lease / release).
         */
        post: operations["post_webhook_whatsapp_auth"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/whatsapp_cloud": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /webhook/whatsapp_cloud`: the Cloud API's subscription handshake (`hub.challenge` echoed
         *     when `hub.verify_token` is ours).
         */
        get: operations["get_webhook_whatsapp_cloud"];
        put?: never;
        /**
         * `POST /webhook/whatsapp_cloud`: the Cloud API's messages and statuses, signed
         *     (`X-Hub-Signature-256`, HMAC-SHA256 of the body with the app secret).
         */
        post: operations["post_webhook_whatsapp_cloud"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook/whatsapp_incoming": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /webhook/whatsapp_incoming`: one Baileys event forwarded by the sidecar. */
        post: operations["post_webhook_whatsapp_incoming"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Whether the agent may answer in a customer's conversation. */
        AgentConversation: {
            customer_id: string;
            /** @description Staff paused the agent here. */
            paused: boolean;
            /** @description The agent handed the conversation to a person; resuming ends that. */
            waiting_for_human: boolean;
        };
        AgentConversationPut: {
            /**
             * @description `true` pauses the agent in this conversation; `false` resumes it (and ends waiting for a
             *     person).
             */
            paused: boolean;
        };
        /**
         * @description The AI agent of the business, for phone and WhatsApp alike. The knowledge Q&A it answers from
         *     is the business's own (`GET /api/business`, `knowledge`).
         */
        AgentDefinition: {
            /**
             * @description The actions (tools) the agent may take: `lookup_customer`, `list_free_slots`,
             *     `book_appointment`, `move_appointment`, `cancel_appointment`, `create_task`,
             *     `update_customer`, `send_whatsapp`, `hand_off`, `end_call`.
             */
            allowed_actions: string[];
            /**
             * Format: int32
             * @description Length of an appointment the agent books when the customer names none (minutes).
             */
            appointment_minutes: number;
            /** @description E.164 number a call is handed to; empty: a message is taken. */
            handoff_phone: string;
            instructions: string;
            /** @description Hebrew: the business, what it sells, the tone, how to address customers. */
            persona: string;
            /**
             * Format: int32
             * @description The agent stays silent in a WhatsApp conversation staff wrote in within these minutes.
             */
            staff_silence_minutes: number;
            /** @description `null` while the business keeps the defaults. */
            updated_at?: string | null;
            /** @description The agent answers WhatsApp messages. */
            whatsapp_agent_enabled: boolean;
        };
        /** @description The whole definition (PUT replaces it). */
        AgentDefinitionPut: {
            /** @description Names of the actions the agent may take (an unknown name is a 422). */
            allowed_actions: string[];
            /**
             * Format: int32
             * @description 5–480.
             */
            appointment_minutes: number;
            /** @description Any Israeli format, or empty. */
            handoff_phone: string;
            /** @description At most 5,000 characters. */
            instructions: string;
            /** @description At most 2,000 characters. */
            persona: string;
            /**
             * Format: int32
             * @description 0–1440.
             */
            staff_silence_minutes: number;
            whatsapp_agent_enabled: boolean;
        };
        Appointment: {
            /**
             * @description When the customer confirmed it by answering its WhatsApp reminder; null until then and
             *     after the appointment moves.
             */
            confirmed_at?: string | null;
            created_at?: string | null;
            customer_id?: string | null;
            ends_at?: string | null;
            id: string;
            notes: string;
            starts_at?: string | null;
            title: string;
            updated_at?: string | null;
        };
        AppointmentPatch: {
            /** @description `null` removes the customer. */
            customer_id?: string | null;
            ends_at?: string | null;
            notes?: string | null;
            starts_at?: string | null;
            title?: string | null;
        };
        /** @description The appointments overlapping `[from, to)`, by start time. */
        AppointmentRange: {
            /** @description The range listed (the defaults applied when the request left it out). */
            from?: string | null;
            items: components["schemas"]["Appointment"][];
            to?: string | null;
        };
        Business: {
            address: string;
            /**
             * @description The voice the agent speaks with (`alloy`, `he-IL-Chirp3-HD-Achird`, `he`, …); empty is
             *     the engine's default.
             */
            agent_voice: string;
            created_at?: string | null;
            features: components["schemas"]["Features"];
            greeting_text: string;
            id: string;
            knowledge: components["schemas"]["Knowledge"][];
            /** @description The registered name documents print (empty: `name`). */
            legal_name: string;
            name: string;
            slug: string;
            /** @description ע.מ / ח.פ as nine digits; empty while not set. */
            tax_id: string;
            twilio_numbers: string[];
            /**
             * Format: int32
             * @description Basis points: 1800 = 18%.
             */
            vat_rate_bp: number;
            /** @description licensed (עוסק מורשה) | exempt (עוסק פטור: documents carry no VAT) */
            vat_status: string;
            voice_mode?: components["schemas"]["VoiceMode"] | null;
        };
        BusinessPatch: {
            /** @description The address documents print. */
            address?: string | null;
            /**
             * @description The voice the agent speaks with, e.g. `alloy`, `marin`, `he-IL-Chirp3-HD-Achird`, `he`:
             *     1 to 64 of `[A-Za-z0-9_.:-]`, or empty for the engine's default (422 naming
             *     `agent_voice` otherwise).
             */
            agent_voice?: string | null;
            features?: components["schemas"]["FeaturesPatch"];
            greeting_text?: string | null;
            knowledge?: components["schemas"]["Knowledge"][] | null;
            /** @description The registered name documents print; empty goes back to `name`. */
            legal_name?: string | null;
            name?: string | null;
            /**
             * @description ע.מ / ח.פ (nine digits, dashes allowed); a wrong check digit is a 422 naming `tax_id`;
             *     empty clears it.
             */
            tax_id?: string | null;
            /**
             * @description Replaces the numbers that ring this business: any Israeli format (`03-1234567`,
             *     `+972 3 123 4567`), stored as E.164. A number that is not one is a 422 naming
             *     `twilio_numbers`; a number another business answers on is a 409.
             */
            twilio_numbers?: string[] | null;
            /** Format: int32 */
            vat_rate_bp?: number | null;
            /** @description `licensed` (עוסק מורשה) or `exempt` (עוסק פטור: no VAT on its documents). */
            vat_status?: string | null;
            voice_mode?: components["schemas"]["VoiceMode"] | null;
        };
        /** @description A phone call with the customer, its recording, transcript and the assistant's replies. */
        Call: {
            ai_replies: string[];
            created_at?: string | null;
            customer_id?: string | null;
            /** @description inbound | outbound */
            direction: string;
            /** Format: int32 */
            duration_seconds: number;
            ended_at?: string | null;
            from_number: string;
            id: string;
            recording_url?: string | null;
            started_at?: string | null;
            /** @description Twilio's call status (ringing, in-progress, completed, busy, no-answer, …). */
            status: string;
            summary?: components["schemas"]["CallSummary"] | null;
            to_number: string;
            transcript?: string | null;
            /** @description pending | done | failed | none */
            transcript_status: string;
            twilio_sid: string;
            updated_at?: string | null;
        };
        CallStats: {
            /**
             * Format: int64
             * @description `in-progress` or `completed`.
             */
            answered: number;
            /**
             * Format: int64
             * @description Mean duration of the answered calls, whole seconds.
             */
            average_duration_seconds: number;
            /**
             * Format: int64
             * @description `busy`, `no-answer`, `canceled` or `failed`.
             */
            missed: number;
            /** Format: int64 */
            total: number;
        };
        /**
         * @description The summary of a completed call: made by the LLM when one is configured, else from the call's
         *     turns and the agent's actions (`source: fallback`, labelled so in its text).
         */
        CallSummary: {
            /** @description What the agent promised that staff must still do (the call's follow-up task says it too). */
            follow_ups: string[];
            /** @description llm | fallback; empty while pending. */
            source: string;
            /** @description pending (being made) | done */
            status: string;
            /** @description Hebrew, a few sentences; empty while pending. */
            text: string;
            updated_at?: string | null;
        };
        /** @description One answered turn of a call. */
        CallTurn: {
            ai_reply: string;
            caller_text: string;
        };
        City: {
            /**
             * Format: int32
             * @description Candle-lighting minutes before sunset when `candle_lighting_minutes` is null.
             */
            candle_lighting_minutes: number;
            /** @description The value of `settings.city`. */
            key: string;
            /** @description Hebrew. */
            name: string;
        };
        ClosureView: {
            end?: string | null;
            /** @description `shabbat`, `holiday` (alone or next to Shabbat) or `special` (a one-off date). */
            kind: string;
            /** @description Hebrew: "שבת", "ראש השנה ושבת", "יום העצמאות". */
            name: string;
            start?: string | null;
        };
        CloudNumber: {
            /** @description The phone number id from Meta's WhatsApp Manager. */
            phone_number_id: string;
        };
        /** @description What the Tax Authority sent the browser back with. */
        ConnectCallback: {
            code: string;
            state: string;
        };
        /** @description Where to send the browser to connect. */
        ConnectStart: {
            /** @description The Tax Authority's authorize page (with this connect's `state`). */
            authorize_url: string;
        };
        Contract: {
            body: string;
            created_at?: string | null;
            customer_id: string;
            id: string;
            /** @description draft | sent | signed */
            status: string;
            title: string;
            updated_at?: string | null;
        };
        /**
         * @description A change of a contract that is not signed yet. `status` is `draft` or `sent`: a contract
         *     becomes `signed` only through its signature link.
         */
        ContractPatch: {
            body?: string | null;
            /** @description draft | sent */
            status?: string | null;
            title?: string | null;
        };
        ConversationPatch: {
            /** @description A staff member of the business; `null` unassigns; absent leaves it. */
            assignee_id?: string | null;
            /** @description open | waiting_for_human | done; absent leaves it. */
            state?: string | null;
        };
        Customer: {
            created_at?: string | null;
            email?: string | null;
            id: string;
            name: string;
            notes: string;
            phone: string;
            source: string;
            status: string;
            updated_at?: string | null;
        };
        /** @description An import's state and progress. */
        CustomerImport: {
            /** Format: int64 */
            created: number;
            created_at?: string | null;
            /** @description `,` `;` or a tab */
            delimiter: string;
            /** @description `utf-8` | `utf-8-bom` | `utf-16` | `windows-1255` */
            encoding: string;
            /**
             * Format: int64
             * @description Rows that could not be imported (see `/errors`).
             */
            errors: number;
            failure?: string | null;
            file_name: string;
            finished_at?: string | null;
            id: string;
            /** Format: int64 */
            merged: number;
            /**
             * Format: int64
             * @description Rows to write (valid, duplicates within the file folded): 100 % of the progress bar.
             */
            planned_rows: number;
            /** Format: int64 */
            processed_rows: number;
            /** Format: int64 */
            skipped: number;
            /** @description `draft` (previewed, not started) | `queued` | `running` | `done` | `failed` */
            status: string;
            /**
             * Format: int64
             * @description Data rows in the file.
             */
            total_rows: number;
        };
        CustomerPatch: {
            /** @description `null` or `""` clears it. */
            email?: string | null;
            name?: string | null;
            notes?: string | null;
            phone?: string | null;
            status?: string | null;
        };
        DateException: {
            /** @description `YYYY-MM-DD`. */
            date: string;
            /** @description Shown as the closure's name, e.g. "יום העצמאות". */
            name?: string | null;
            /**
             * @description Empty: closed all day. Otherwise these ranges replace the weekday's on that date (a Shabbat or
             *     holiday closure still applies on top of them).
             */
            ranges?: components["schemas"]["TimeRange"][];
        };
        DayHours: {
            /** @description `sunday` … `saturday`. */
            day: string;
            ranges: components["schemas"]["TimeRange"][];
        };
        /** @description What an issued document prints about its parties. */
        DocumentParties: {
            customer_email?: string | null;
            customer_name: string;
            customer_phone: string;
            customer_tax_id?: string | null;
            seller_address: string;
            seller_legal_name: string;
            seller_name: string;
            /** @description ע.מ / ח.פ (nine digits), or empty when the business has not set it. */
            seller_tax_id: string;
            /** @description licensed | exempt */
            seller_vat_status: string;
        };
        ErrorBody: {
            error: string;
            /** @description The request field a validation error is about. */
            field?: string | null;
            message: string;
            /**
             * Format: int64
             * @description Seconds to wait before trying again (429; also the `Retry-After` header).
             */
            retry_after?: number | null;
        };
        Features: {
            calendar_enabled: boolean;
            contracts_enabled: boolean;
            crm_enabled: boolean;
            invoices_enabled: boolean;
            proposals_enabled: boolean;
            reports_enabled: boolean;
            signature_enabled: boolean;
            voice_enabled: boolean;
            whatsapp_enabled: boolean;
        };
        FeaturesPatch: {
            calendar_enabled?: boolean | null;
            contracts_enabled?: boolean | null;
            crm_enabled?: boolean | null;
            invoices_enabled?: boolean | null;
            proposals_enabled?: boolean | null;
            reports_enabled?: boolean | null;
            signature_enabled?: boolean | null;
            voice_enabled?: boolean | null;
            whatsapp_enabled?: boolean | null;
        };
        /** @description The first number of a document type's sequence. */
        FirstNumber: {
            /**
             * Format: int64
             * @description 1 to 999,999,999.
             */
            first_number: number;
        };
        /** @description When Shabbat and a holiday end. */
        Havdalah: {
            /** Format: double */
            degrees: number;
            /** @enum {string} */
            kind: "degrees";
        } | {
            /** @enum {string} */
            kind: "minutes_after_sunset";
            /** Format: int32 */
            minutes: number;
        };
        HoursCalendarView: {
            /** @description Shabbat, holiday and one-off closures overlapping the range, whole. */
            closures: components["schemas"]["ClosureView"][];
            /** @description When the business is open, sorted, within `[from, to)`. */
            open: components["schemas"]["OpenInterval"][];
        };
        /** @description The stored, editable form. */
        HoursSettings: {
            /**
             * Format: int32
             * @description Minutes before sunset; `None` is the city's custom (18, 40 in Jerusalem, 30 in Haifa).
             */
            candle_lighting_minutes?: number | null;
            /** @description A key of [`cities::CITIES`]. */
            city: string;
            /** @description Closed from candle-lighting to havdalah on Shabbat and the Israeli holidays. */
            closed_on_shabbat_and_holidays?: boolean;
            /** @description One-off dates: closed all day (no ranges) or open at other hours (Chol HaMoed, Yom HaAtzmaut…). */
            exceptions?: components["schemas"]["DateException"][];
            havdalah?: components["schemas"]["Havdalah"];
            /** @description Opening ranges per weekday; a day that is not listed is closed. */
            weekly?: components["schemas"]["DayHours"][];
        };
        HoursSettingsView: {
            /** @description The cities `settings.city` can name. */
            cities: components["schemas"]["City"][];
            /** @description False: the business has not set its hours yet and these are the defaults. */
            configured: boolean;
            settings: components["schemas"]["HoursSettings"];
        };
        HoursStatusView: {
            closes_at?: string | null;
            closure?: components["schemas"]["ClosureView"] | null;
            /** @description When closed, what the agent tells a customer: "אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי 19:05." */
            message?: string | null;
            open: boolean;
            reopens_at?: string | null;
        };
        /**
         * @description Which column (0-based) each customer field is read from; absent or `null`: not imported.
         *     `name` and `phone` are required to start.
         */
        ImportMapping: {
            /** Format: int32 */
            email?: number | null;
            /** Format: int32 */
            name?: number | null;
            /** Format: int32 */
            notes?: number | null;
            /** Format: int32 */
            phone?: number | null;
            /** Format: int32 */
            status?: number | null;
        };
        ImportPreview: {
            /** Format: int64 */
            error_count: number;
            /** @description The first 50 row errors under `mapping`. */
            errors: components["schemas"]["ImportRowError"][];
            /** @description The file's header cells (column names). */
            header: string[];
            import: components["schemas"]["CustomerImport"];
            /** @description The mapping asked for, or the one the header names suggest. */
            mapping: components["schemas"]["ImportMapping"];
            /** @description Why this mapping cannot start (no phone column, …). */
            mapping_error?: string | null;
            /** @description The first rows. */
            rows: components["schemas"]["ImportRow"][];
            /**
             * Format: int64
             * @description Rows that would be imported.
             */
            valid_count: number;
        };
        ImportRow: {
            cells: string[];
            /**
             * Format: int64
             * @description Line (record) number in the file; the header is 1.
             */
            line: number;
        };
        ImportRowError: {
            /** @description `name` | `phone` | `email` | `notes` | `status` */
            field: string;
            /** Format: int64 */
            line: number;
            /** @description Why, in Hebrew. */
            message: string;
            /** @description The row's cells as one CSV line. */
            raw: string;
        };
        /** @description One inbox conversation as the signed-in user sees it. */
        InboxConversation: {
            assignee_id?: string | null;
            /** @description A call conversation's call SID. */
            call_sid?: string | null;
            /** @description whatsapp | call */
            channel: string;
            /** @description The customer's number as the channel gave it. */
            counterpart: string;
            created_at?: string | null;
            customer_id?: string | null;
            customer_name?: string | null;
            id: string;
            last_activity_at?: string | null;
            /** @description inbound | outbound */
            last_direction: string;
            last_preview: string;
            /** @description open | waiting_for_human | done */
            state: string;
            /**
             * Format: int64
             * @description Inbound messages (or the inbound call) this user has not read.
             */
            unread_count: number;
            updated_at?: string | null;
        };
        /** @description A page of the inbox, newest activity first. */
        InboxPage: {
            items: components["schemas"]["InboxConversation"][];
            /** Format: int64 */
            limit: number;
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
            /**
             * Format: int64
             * @description Conversations with something this user has not read (all filters aside): the page
             *     title's count, at most 100 (100 means 100 or more). On the first page only (no `cursor`).
             */
            unread_conversations?: number | null;
        };
        /** @description A conversation and what was said in it. */
        InboxThread: {
            call?: components["schemas"]["Call"] | null;
            conversation?: components["schemas"]["InboxConversation"] | null;
            /** @description WhatsApp: the latest 200 messages, oldest first. */
            messages: components["schemas"]["WhatsAppMessage"][];
            /** @description A call conversation's answered turns, in order. */
            turns: components["schemas"]["CallTurn"][];
        };
        /**
         * @description An invoice: one of the Israeli document types. Every amount is computed by the server from
         *     the items.
         */
        Invoice: {
            /** @description The Tax Authority's allocation number, once given (printed on the PDF). */
            allocation_number?: string | null;
            /**
             * @description Why an awaiting document has no number yet (not connected, the Authority unavailable),
             *     or the Authority's refusal.
             */
            allocation_reason?: string | null;
            /**
             * @description A tax invoice (or invoice-receipt) to a customer with a tax id whose amount before VAT
             *     exceeds the threshold in force on its issue date (today for a draft): the customer can
             *     deduct its VAT only with an allocation number (מספר הקצאה) from the Tax Authority, which
             *     crm-svc requests when the document is issued.
             */
            allocation_required: boolean;
            /** @description On an issued document that needs a number: awaiting | allocated | refused; null otherwise. */
            allocation_status?: string | null;
            created_at?: string | null;
            /** @description Credit notes: the invoice credited. */
            credited_invoice_id?: string | null;
            customer_id: string;
            /** @description The customer's ע.מ / ח.פ / ת.ז as nine digits. */
            customer_tax_id?: string | null;
            /**
             * @description tax_invoice (חשבונית מס) | tax_invoice_receipt (חשבונית מס/קבלה) | receipt (קבלה) |
             *     credit_note (חשבונית זיכוי)
             */
            doc_type: string;
            due_at?: string | null;
            id: string;
            issued_at?: string | null;
            items: components["schemas"]["LineItem"][];
            /**
             * Format: int64
             * @description The next number of its type, given when the document is issued (`draft → sent`); null
             *     on a draft. Each type has its own sequence.
             */
            number?: number | null;
            paid_at?: string | null;
            parties?: components["schemas"]["DocumentParties"] | null;
            /** @description Receipts and invoice-receipts: cash | cheque | bank_transfer | credit_card | bit | paybox. */
            payment_method?: string | null;
            /** @description draft | sent | paid | cancelled */
            status: string;
            /** Format: int64 */
            subtotal_agorot: number;
            /** Format: int64 */
            total_agorot: number;
            updated_at?: string | null;
            /** Format: int64 */
            vat_agorot: number;
            /**
             * Format: int32
             * @description The VAT rate applied, in basis points (1800 = 18%).
             */
            vat_rate_bp: number;
        };
        /**
         * @description A change of an invoice. `items` and `due_at` only while it is a draft; `status` moves it
         *     `draft → sent | cancelled`, `sent → paid | cancelled` (anything else is 409). Cancelling an
         *     issued tax invoice issues a credit note for all of it (an issued document never changes);
         *     one credited in part already, or an issued credit note, is 409.
         */
        InvoicePatch: {
            /** @description `null` clears it. */
            due_at?: string | null;
            items?: components["schemas"]["LineItem"][] | null;
            /** @description draft | sent | paid | cancelled */
            status?: string | null;
        };
        InvoiceStats: {
            /**
             * Format: int64
             * @description Tax invoices and invoice-receipts issued in the period and not cancelled.
             */
            issued: number;
            /**
             * Format: int64
             * @description Their total, net of the credit notes issued against them in the period.
             */
            issued_total_agorot: number;
            /**
             * Format: int64
             * @description Documents paid in the period: invoices, invoice-receipts and receipts.
             */
            paid: number;
            /** Format: int64 */
            paid_total_agorot: number;
        };
        Knowledge: {
            a: string;
            q: string;
        };
        /**
         * @description One line of an invoice or a proposal, in requests and responses. Amounts are whole agorot
         *     (1 ₪ = 100 agorot).
         */
        LineItem: {
            description: string;
            /**
             * Format: int64
             * @description More than 0.
             */
            quantity: number;
            /**
             * Format: int64
             * @description 0 or more.
             */
            unit_price_agorot: number;
        };
        Login: {
            email: string;
            password: string;
        };
        LoginResponse: {
            /**
             * Format: int64
             * @description Seconds until the token expires.
             */
            expires_in: number;
            token: string;
            /** @description Always `Bearer`. */
            token_type: string;
            user: components["schemas"]["User"];
        };
        Me: {
            business: components["schemas"]["Business"];
            user: components["schemas"]["User"];
        };
        NewAppointment: {
            customer_id?: string | null;
            /** @description RFC 3339, after `starts_at`. */
            ends_at?: string | null;
            notes?: string;
            /** @description RFC 3339. */
            starts_at?: string | null;
            title?: string;
        };
        NewCall: {
            /** @description The agent's phone, rung first (E.164 or Israeli local format). */
            agent_phone: string;
            /** @description The customer to call. */
            customer_id: string;
        };
        NewContract: {
            /** @description At most 100,000 characters. */
            body?: string;
            /** @description A customer of the business. */
            customer_id?: string;
            /** @description One line, at most 200 characters. */
            title?: string;
        };
        NewCustomer: {
            email?: string | null;
            name: string;
            notes?: string;
            phone: string;
            source?: string | null;
            status?: string | null;
        };
        /**
         * @description A new invoice. Amounts are computed by the server: a request carrying `subtotal_agorot`,
         *     `vat_agorot`, `total_agorot` (or any other unknown field) is refused with 422.
         */
        NewInvoice: {
            /**
             * @description Required on a credit note: an issued tax invoice (or invoice-receipt) of the same
             *     customer; the credit notes of one invoice never exceed its total (422).
             */
            credited_invoice_id?: string | null;
            /** @description A customer of the business. */
            customer_id?: string;
            /** @description The customer's ע.מ / ח.פ / ת.ז; a wrong check digit is a 422 naming `customer_tax_id`. */
            customer_tax_id?: string | null;
            /** @description tax_invoice (default) | tax_invoice_receipt | receipt | credit_note */
            doc_type?: string | null;
            /** @description RFC 3339. */
            due_at?: string | null;
            /** @description 1 to 100 lines. */
            items?: components["schemas"]["LineItem"][];
            /**
             * @description Required on receipts and invoice-receipts, refused elsewhere: cash | cheque |
             *     bank_transfer | credit_card | bit | paybox.
             */
            payment_method?: string | null;
        };
        /** @description A new proposal. `total_agorot` is computed by the server: sending it is refused (422). */
        NewProposal: {
            /** @description A customer of the business. */
            customer_id?: string;
            /** @description 1 to 100 lines. */
            items?: components["schemas"]["LineItem"][];
            title?: string;
            /** @description RFC 3339. */
            valid_until?: string | null;
        };
        NewScheduledMessage: {
            /** @description RFC 3339; not in the past, at most 366 days ahead. */
            send_at?: string | null;
            /** @description At most 4,096 characters. */
            text?: string;
        };
        NewTask: {
            assignee_id?: string | null;
            customer_id?: string | null;
            due_at?: string | null;
            title: string;
        };
        NewUser: {
            email: string;
            name?: string;
            /**
             * @description The first password (at least 10 characters), handed to the new user by the person who adds
             *     them.
             */
            password: string;
            /** @description `owner` (only an owner may add one) | `admin` | `agent` | `read_only`. */
            role: string;
        };
        /** @description Where each document type's sequence stands. */
        NumberingList: {
            items: components["schemas"]["NumberingSequence"][];
        };
        /** @description Where one document type's sequence stands. */
        NumberingSequence: {
            doc_type: string;
            /**
             * Format: int64
             * @description The number the next issued document of this type gets.
             */
            next_number: number;
            /** @description A document of this type was issued: the sequence can no longer be moved. */
            started: boolean;
        };
        OpenInterval: {
            end?: string | null;
            start?: string | null;
        };
        Page_Call: {
            items: {
                ai_replies: string[];
                created_at?: string | null;
                customer_id?: string | null;
                /** @description inbound | outbound */
                direction: string;
                /** Format: int32 */
                duration_seconds: number;
                ended_at?: string | null;
                from_number: string;
                id: string;
                recording_url?: string | null;
                started_at?: string | null;
                /** @description Twilio's call status (ringing, in-progress, completed, busy, no-answer, …). */
                status: string;
                summary?: components["schemas"]["CallSummary"] | null;
                to_number: string;
                transcript?: string | null;
                /** @description pending | done | failed | none */
                transcript_status: string;
                twilio_sid: string;
                updated_at?: string | null;
            }[];
            /** Format: int64 */
            limit: number;
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            total: number;
        };
        Page_Contract: {
            items: {
                body: string;
                created_at?: string | null;
                customer_id: string;
                id: string;
                /** @description draft | sent | signed */
                status: string;
                title: string;
                updated_at?: string | null;
            }[];
            /** Format: int64 */
            limit: number;
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            total: number;
        };
        Page_Customer: {
            items: {
                created_at?: string | null;
                email?: string | null;
                id: string;
                name: string;
                notes: string;
                phone: string;
                source: string;
                status: string;
                updated_at?: string | null;
            }[];
            /** Format: int64 */
            limit: number;
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            total: number;
        };
        Page_Invoice: {
            items: {
                /** @description The Tax Authority's allocation number, once given (printed on the PDF). */
                allocation_number?: string | null;
                /**
                 * @description Why an awaiting document has no number yet (not connected, the Authority unavailable),
                 *     or the Authority's refusal.
                 */
                allocation_reason?: string | null;
                /**
                 * @description A tax invoice (or invoice-receipt) to a customer with a tax id whose amount before VAT
                 *     exceeds the threshold in force on its issue date (today for a draft): the customer can
                 *     deduct its VAT only with an allocation number (מספר הקצאה) from the Tax Authority, which
                 *     crm-svc requests when the document is issued.
                 */
                allocation_required: boolean;
                /** @description On an issued document that needs a number: awaiting | allocated | refused; null otherwise. */
                allocation_status?: string | null;
                created_at?: string | null;
                /** @description Credit notes: the invoice credited. */
                credited_invoice_id?: string | null;
                customer_id: string;
                /** @description The customer's ע.מ / ח.פ / ת.ז as nine digits. */
                customer_tax_id?: string | null;
                /**
                 * @description tax_invoice (חשבונית מס) | tax_invoice_receipt (חשבונית מס/קבלה) | receipt (קבלה) |
                 *     credit_note (חשבונית זיכוי)
                 */
                doc_type: string;
                due_at?: string | null;
                id: string;
                issued_at?: string | null;
                items: components["schemas"]["LineItem"][];
                /**
                 * Format: int64
                 * @description The next number of its type, given when the document is issued (`draft → sent`); null
                 *     on a draft. Each type has its own sequence.
                 */
                number?: number | null;
                paid_at?: string | null;
                parties?: components["schemas"]["DocumentParties"] | null;
                /** @description Receipts and invoice-receipts: cash | cheque | bank_transfer | credit_card | bit | paybox. */
                payment_method?: string | null;
                /** @description draft | sent | paid | cancelled */
                status: string;
                /** Format: int64 */
                subtotal_agorot: number;
                /** Format: int64 */
                total_agorot: number;
                updated_at?: string | null;
                /** Format: int64 */
                vat_agorot: number;
                /**
                 * Format: int32
                 * @description The VAT rate applied, in basis points (1800 = 18%).
                 */
                vat_rate_bp: number;
            }[];
            /** Format: int64 */
            limit: number;
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            total: number;
        };
        Page_Proposal: {
            items: {
                created_at?: string | null;
                customer_id: string;
                id: string;
                items: components["schemas"]["LineItem"][];
                /** @description draft | sent | accepted | rejected | expired */
                status: string;
                title: string;
                /** Format: int64 */
                total_agorot: number;
                updated_at?: string | null;
                valid_until?: string | null;
            }[];
            /** Format: int64 */
            limit: number;
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            total: number;
        };
        Page_Task: {
            items: {
                assignee_id?: string | null;
                created_at?: string | null;
                customer_id?: string | null;
                done: boolean;
                done_at?: string | null;
                due_at?: string | null;
                id: string;
                title: string;
                updated_at?: string | null;
            }[];
            /** Format: int64 */
            limit: number;
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            total: number;
        };
        Page_WhatsAppMessage: {
            items: {
                body: string;
                created_at?: string | null;
                customer_id?: string | null;
                /** @description inbound | outbound */
                direction: string;
                from_number: string;
                id: string;
                provider_message_id: string;
                /** @description pending | sent | delivered | read | failed | received */
                status: string;
                to_number: string;
                updated_at?: string | null;
            }[];
            /** Format: int64 */
            limit: number;
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            total: number;
        };
        PreviewRequest: {
            mapping?: components["schemas"]["ImportMapping"] | null;
        };
        /** @description A price quote. `total_agorot` is computed by the server (before VAT). */
        Proposal: {
            created_at?: string | null;
            customer_id: string;
            id: string;
            items: components["schemas"]["LineItem"][];
            /** @description draft | sent | accepted | rejected | expired */
            status: string;
            title: string;
            /** Format: int64 */
            total_agorot: number;
            updated_at?: string | null;
            valid_until?: string | null;
        };
        /**
         * @description A change of a proposal: `title` and `items` while a draft, `valid_until` while a draft or
         *     sent; `status` moves it `draft → sent`, `sent → accepted | rejected | expired` (else 409).
         */
        ProposalPatch: {
            items?: components["schemas"]["LineItem"][] | null;
            /** @description draft | sent | accepted | rejected | expired */
            status?: string | null;
            title?: string | null;
            /** @description `null` clears it. */
            valid_until?: string | null;
        };
        PublicKey: {
            /** @description The VAPID public key (uncompressed P-256 point, base64url): `applicationServerKey`. */
            public_key: string;
        };
        ReminderSettingsInput: {
            enabled: boolean;
            /** @description 1 to 5 distinct lead times, each 15 to 10,080 minutes (a week). */
            lead_minutes: number[];
            /** @description Hebrew, with `{name}`, `{date}`, `{time}`, `{address}`, `{business}`; at most 1,000 characters. */
            template: string;
        };
        ReminderSettingsView: {
            /** @description False: never saved; these are the defaults (reminders off). */
            configured: boolean;
            enabled: boolean;
            /** @description Minutes before the appointment, largest first (default `[1440, 120]`). */
            lead_minutes: number[];
            /** @description What the template may contain. */
            placeholders: string[];
            /** @description Hebrew. A line whose placeholder has no value (a business without an address) is left out. */
            template: string;
        };
        /** @description A business's numbers over `[from, to)`. */
        ReportSummary: {
            /** @description Started in the period. */
            calls: components["schemas"]["CallStats"];
            from?: string | null;
            invoices: components["schemas"]["InvoiceStats"];
            /**
             * Format: int64
             * @description Created in the period.
             */
            new_customers: number;
            tasks: components["schemas"]["TaskStats"];
            to?: string | null;
            /** @description Created in the period. */
            whatsapp: components["schemas"]["WhatsAppStats"];
        };
        ScheduledMessageList: {
            /** @description Latest send time first, every status. */
            items: components["schemas"]["ScheduledMessageView"][];
        };
        ScheduledMessageView: {
            created_at?: string | null;
            created_by?: string | null;
            customer_id: string;
            id: string;
            send_at?: string | null;
            sent_at?: string | null;
            /** @description `pending`, `sent`, `cancelled` or `failed` (the customer had no phone at its time). */
            status: string;
            text: string;
        };
        SendMessage: {
            text: string;
            /** @description A customer id, an Israeli phone number in any format, or a WhatsApp JID. */
            to: string;
        };
        SentMessage: {
            message_id: string;
            status: string;
        };
        /** @description A one-time public signing link. The token is shown only here (the server keeps its hash). */
        SignatureLink: {
            /** @description The contract to sign (absent for a proposal's link). */
            contract_id?: string | null;
            /**
             * @description When the link stops working (`SIGNATURE_LINK_TTL_DAYS` after it was made). Making a new
             *     link for the document revokes this one.
             */
            expires_at?: string | null;
            /** @description The proposal to sign (absent for a contract's link). */
            proposal_id?: string | null;
            signature_id: string;
            token: string;
            /** @description `PUBLIC_BASE_URL` + the signing page's path with the token. */
            url: string;
        };
        /**
         * @description A signature request of a contract or proposal as staff see it: pending until signed through
         *     its link. The drawn image is at `GET /api/signatures/{id}/image`.
         */
        SignatureRecord: {
            contract_id?: string | null;
            created_at?: string | null;
            /** @description SHA-256 (hex) of the document as signed. */
            document_sha256?: string | null;
            expires_at?: string | null;
            id: string;
            proposal_id?: string | null;
            revoked_at?: string | null;
            signed_at?: string | null;
            /** @description The address the signer signed from. */
            signer_ip?: string | null;
            signer_name?: string | null;
            /**
             * @description `pending`, `signed`, `revoked` (the document's text changed, or a newer link was made)
             *     or `expired`.
             */
            status: string;
        };
        SignBody: {
            /**
             * @description The `document_sha256` of the signing page's GET: the document as the signer was shown
             *     it. Required; when the document's text is no longer that, 409 `document_changed`.
             */
            document_sha256?: string;
            /**
             * @description The drawn signature: a PNG of at most 1 MB and 2000 × 1000 pixels, in standard base64 (a
             *     `data:image/png;base64,` prefix is accepted). It is decoded and stored encoded anew.
             */
            image_png_base64?: string;
            /** @description At most 200 characters. */
            signer_name?: string;
        };
        /** @description The receipt of a completed signature. */
        SignedReceipt: {
            contract_id?: string | null;
            /** @description SHA-256 (hex) of the document as signed. */
            document_sha256: string;
            proposal_id?: string | null;
            signature_id: string;
            signed_at?: string | null;
            signer_name: string;
        };
        /** @description What the public signing page shows. */
        SigningDocument: {
            body: string;
            business_name: string;
            contract_id?: string | null;
            /**
             * @description SHA-256 (hex) of the document (title, line feed, body) as it would be signed now: the
             *     signer's POST sends it back.
             */
            document_sha256: string;
            /** @description `contract` or `proposal`. */
            document_type: string;
            /** @description When the link stops working. */
            expires_at?: string | null;
            proposal_id?: string | null;
            /** @description A proposal's body is its line items, total before VAT and validity, as text. */
            title: string;
        };
        StartedCall: {
            /** @description Twilio's CallSid. */
            call_sid: string;
            /** @description Twilio's status (`queued`). */
            status: string;
        };
        StartRequest: {
            /**
             * @description `skip` (default): a row whose phone is a customer's already leaves that customer as is;
             *     `merge`: the row's non-empty cells overwrite it.
             */
            duplicates?: string | null;
            /**
             * @description Import the valid rows of a file that has invalid ones; otherwise such a file is refused
             *     (422, `field` = `import_valid_rows`) and nothing is imported.
             */
            import_valid_rows?: boolean;
            mapping: components["schemas"]["ImportMapping"];
        };
        Subscribed: {
            endpoint: string;
            id: string;
        };
        /**
         * @description A browser `PushSubscription` as `JSON.stringify(subscription)` gives it
         *     (`expirationTime` is accepted and ignored).
         */
        Subscription: {
            /** @description The push service URL (https). */
            endpoint: string;
            /** Format: double */
            expirationTime?: number | null;
            keys: components["schemas"]["SubscriptionKeys"];
        };
        /** @description The keys of a browser `PushSubscription`. */
        SubscriptionKeys: {
            /** @description base64url authentication secret (16 bytes). */
            auth: string;
            /** @description base64url P-256 public key of the browser (65 bytes). */
            p256dh: string;
        };
        Task: {
            assignee_id?: string | null;
            created_at?: string | null;
            customer_id?: string | null;
            done: boolean;
            done_at?: string | null;
            due_at?: string | null;
            id: string;
            title: string;
            updated_at?: string | null;
        };
        TaskPatch: {
            assignee_id?: string | null;
            customer_id?: string | null;
            done?: boolean | null;
            due_at?: string | null;
            title?: string | null;
        };
        TaskStats: {
            /**
             * Format: int64
             * @description Marked done in the period.
             */
            done: number;
            /**
             * Format: int64
             * @description Still open, due in the period before now.
             */
            overdue: number;
        };
        /** @description The business's connection to the Tax Authority (allocation numbers). */
        TaxAuthorityStatus: {
            /**
             * Format: int64
             * @description Documents awaiting their allocation number.
             */
            awaiting: number;
            /** @description Whether this server is set up to reach the Authority (`TAX_AUTHORITY_CLIENT_ID`). */
            configured: boolean;
            connected: boolean;
            connected_at?: string | null;
            /** @description The user who connected it. */
            connected_by?: string | null;
            /** @description production | sandbox; null when not configured. */
            environment?: string | null;
        };
        /**
         * @description One timeline entry: `{"type": …, "ts": …, …the entity's own fields}` (issue contract: the
         *     entity is spread into the item, `type` and `ts` added).
         */
        TimelineItem: Record<string, never> & {
            /** @description What the item is ordered by; null for a task without a due date. */
            ts?: string | null;
            /** @description agent | call | contract | invoice | task | whatsapp (`agent`: something the AI agent did, with the turn that caused it) */
            type: string;
        };
        TimeRange: {
            /** @description `HH:MM`. */
            from: string;
            /** @description `HH:MM`, later than `from`; `24:00` is the end of the day. */
            to: string;
        };
        /** @description The staff's day, Israel time. */
        Today: {
            /** @description Overlapping the day, by start; empty when the calendar is off. */
            appointments: components["schemas"]["TodayAppointment"][];
            /** @description Newest first (at most 200). */
            calls: components["schemas"]["TodayCall"][];
            /** Format: int64 */
            calls_answered: number;
            /** Format: int64 */
            calls_missed: number;
            /** Format: int64 */
            calls_to_call_back: number;
            /** @description The Israel calendar day, `YYYY-MM-DD`. */
            date: string;
            /** @description Its instants `[from, to)`. */
            from?: string | null;
            /** @description Not done and due before the day ends, earliest first (at most 200). */
            tasks: components["schemas"]["TodayTask"][];
            to?: string | null;
            /** @description Conversations waiting for a person, newest activity first (at most 100). */
            waiting: components["schemas"]["InboxConversation"][];
        };
        TodayAppointment: {
            appointment?: components["schemas"]["Appointment"] | null;
            customer_name?: string | null;
        };
        /** @description One call of the day. */
        TodayCall: {
            call?: components["schemas"]["Call"] | null;
            /** @description `null` while the caller is no customer. */
            customer_name?: string | null;
            /** @description The question the agent could not answer, if any. */
            follow_up_question?: string | null;
            /**
             * @description Staff should call back: a question the agent could not answer whose task is still open,
             *     or a missed inbound call with no answered call with that number after it.
             */
            needs_callback: boolean;
            /** @description answered | missed | in_progress */
            outcome: string;
        };
        /** @description A task not done, due today or overdue. */
        TodayTask: {
            customer_name?: string | null;
            /** @description Due before today began. */
            overdue: boolean;
            task?: components["schemas"]["Task"] | null;
        };
        Unsubscribe: {
            /** @description The endpoint of the subscription to remove. */
            endpoint: string;
        };
        User: {
            /** @description False while deactivated (cannot sign in). */
            active: boolean;
            business_id: string;
            created_at?: string | null;
            email: string;
            id: string;
            name: string;
            /** @description `owner` | `admin` | `agent` | `read_only`. */
            role: string;
        };
        UserList: {
            items: components["schemas"]["User"][];
            total: number;
        };
        UserPatch: {
            /**
             * @description `false` deactivates: the user cannot sign in and every token of theirs stops working at
             *     once. `true` reactivates (they sign in again).
             */
            active?: boolean | null;
            name?: string | null;
            /** @description `owner` | `admin` | `agent` | `read_only`; only an owner makes or changes an owner. */
            role?: string | null;
        };
        /**
         * @description How a business's calls run; `null` is automatic (realtime when the server has a realtime
         *     engine configured, else record).
         * @enum {string}
         */
        VoiceMode: "realtime" | "record";
        WhatsAppMessage: {
            body: string;
            created_at?: string | null;
            customer_id?: string | null;
            /** @description inbound | outbound */
            direction: string;
            from_number: string;
            id: string;
            provider_message_id: string;
            /** @description pending | sent | delivered | read | failed | received */
            status: string;
            to_number: string;
            updated_at?: string | null;
        };
        WhatsAppSession: {
            /** @description The pairing QR payload while `state` is `qr`. */
            qr?: string | null;
            /** @description The same QR as a PNG data URL, ready for an `<img>`. */
            qr_data_url?: string | null;
            reason?: string | null;
            /** @description connecting | qr | open | closed | logged_out */
            state: string;
        };
        WhatsAppStats: {
            /** Format: int64 */
            inbound: number;
            /** Format: int64 */
            outbound: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    get_api_appointments: {
        parameters: {
            query?: {
                customer_id?: string;
                /** @description RFC 3339; default the start of today (UTC), or 30 days before `to` */
                from?: string;
                /** @description RFC 3339, after `from` and at most 400 days later; default 30 days after `from` */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppointmentRange"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_appointments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewAppointment"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_appointments_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Appointment id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_appointments_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Appointment id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_appointments_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Appointment id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AppointmentPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_auth_login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Login"];
            };
        };
        responses: {
            /** @description Signed in */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoginResponse"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Wrong email or password */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Too many failed sign-ins for this email from this address, from this address, or for this email from any address it never signed in from (`too_many_attempts`); `Retry-After` and `retry_after` say when to try again */
            429: {
                headers: {
                    /** @description Seconds until sign-in may be tried again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_auth_logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out everywhere */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_business: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Business"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_business: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BusinessPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Business"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description A Twilio number already rings another business */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_business_agent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentDefinition"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_api_business_agent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentDefinitionPut"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentDefinition"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_business_hours: {
        parameters: {
            query?: {
                /** @description RFC 3339; default now */
                from?: string;
                /** @description RFC 3339, after `from` and at most 400 days later; default 7 days after `from` */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HoursCalendarView"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid range (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_business_hours_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HoursSettingsView"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_api_business_hours_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HoursSettings"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HoursSettingsView"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid hours (the message names the field and the problem) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_business_hours_status: {
        parameters: {
            query?: {
                /** @description RFC 3339; default now */
                at?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HoursStatusView"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid `at` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_business_reminders: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReminderSettingsView"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_api_business_reminders: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReminderSettingsInput"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReminderSettingsView"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin, or `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid template or lead times (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_calls: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewCall"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StartedCall"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`voice_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such customer */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `voice_not_configured`: no Twilio credentials or number; `service_unavailable`: Twilio failed */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_contracts: {
        parameters: {
            query?: {
                customer_id?: string;
                /** @description default 25, at most 100 (larger is clamped) */
                limit?: number;
                /** @description 1-based, default 1 */
                page?: number;
                /** @description created_at | -created_at | updated_at | -updated_at (default -created_at) */
                sort?: string;
                /** @description draft | sent | signed */
                status?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Contract"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_contracts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewContract"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Contract"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_contracts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Contract id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Contract"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_contracts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Contract id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The contract is signed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_contracts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Contract id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ContractPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Contract"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The contract is signed, or `signed` was asked for */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_contracts_id_signature_link: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Contract id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignatureLink"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`signature_disabled`, `contracts_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The contract is already signed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_contracts_id_signatures: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Contract id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignatureRecord"][];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The feature is off for this business (`signature_disabled`, `contracts_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_crm_customers: {
        parameters: {
            query?: {
                /** @description instead of `page`: the `X-Next-Cursor` of the previous page (keyset paging, equally fast at any depth; the response's `page` is then 0) */
                after?: string;
                /** @description comma-separated customer ids (at most 100), alone: just those customers, newest first; ids of no customer of the business are left out */
                ids?: string;
                /** @description default 25, at most 100 (larger is clamped) */
                limit?: number;
                /** @description 1-based, default 1 */
                page?: number;
                /** @description name, email or phone in any Israeli format */
                q?: string;
                /** @description lead | active | inactive */
                status?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    /** @description After a full page: the `after` of the next page */
                    "X-Next-Cursor"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Customer"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_crm_customers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewCustomer"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflicts with existing data */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_crm_customers_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_crm_customers_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The customer has invoices, contracts or proposals */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_crm_customers_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CustomerPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflicts with existing data */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_crm_imports: {
        parameters: {
            query?: {
                /** @description The file's name, shown with the import. */
                file_name?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The CSV file: UTF-8 (with or without BOM), UTF-16 or Windows-1255; separated by `,` `;` or tab; the first line names the columns */
        requestBody: {
            content: {
                "text/csv": number[];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportPreview"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden (read-only), or the CRM is off for this business */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Larger than 20 MB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not readable as CSV text (named in `field`: `file`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_crm_imports_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Import id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerImport"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The CRM is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_crm_imports_id_errors: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Import id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV (UTF-8 with BOM): row, field, error, the row's cells */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The CRM is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_crm_imports_id_preview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Import id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PreviewRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportPreview"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the CRM is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Already started */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid mapping */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_crm_imports_id_start: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Import id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartRequest"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerImport"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden (read-only), or the CRM is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Already started */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid mapping, or rows with errors without `import_valid_rows` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_customers_id_agent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentConversation"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_api_customers_id_agent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentConversationPut"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentConversation"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_customers_id_calls: {
        parameters: {
            query?: {
                /** @description default 25, at most 100 (larger is clamped) */
                limit?: number;
                /** @description 1-based, default 1 */
                page?: number;
            };
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Call"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_customers_id_scheduled_messages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduledMessageList"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unknown customer (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_customers_id_scheduled_messages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewScheduledMessage"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduledMessageView"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Read-only user, or `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unknown customer (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid `text` or `send_at` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_customers_id_scheduled_messages_message_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
                /** @description Scheduled message id */
                message_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduledMessageView"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Read-only user, or `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unknown message (or another customer's or business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Already sent or cancelled */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_customers_id_timeline: {
        parameters: {
            query?: {
                /** @description the X-Next-Cursor of the previous page */
                before?: string;
                /** @description default 50, at most 200 */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    /** @description cursor of the next page; absent on the last */
                    "x-next-cursor"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TimelineItem"][];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_customers_id_whatsapp: {
        parameters: {
            query?: {
                /** @description default 25, at most 100 (larger is clamped) */
                limit?: number;
                /** @description 1-based, default 1 */
                page?: number;
            };
            header?: never;
            path: {
                /** @description Customer id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_WhatsAppMessage"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_documents_id_pdf: {
        parameters: {
            query?: {
                /** @description `true`: the copy, marked "העתק"; otherwise the original, marked "מקור". */
                copy?: boolean | null;
            };
            header?: never;
            path: {
                /** @description An invoice id or a contract id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The PDF */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/pdf": number[];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The feature (invoices or contracts) is off for this business */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description A draft, or a contract not signed yet: no PDF */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_exports_kind: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description customers | calls | whatsapp | tasks | invoices */
                kind: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV: UTF-8 with BOM (Excel shows Hebrew), CRLF, quoted where needed; text cells starting with = + - @ are prefixed with '. Streamed in chunks (no Content-Length). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The feature of this kind (CRM, voice, WhatsApp, invoices) is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unknown kind */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_inbox: {
        parameters: {
            query?: {
                /** @description whatsapp | call */
                channel?: string;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
                /** @description Comma-separated, all must hold: unread (something I have not read), waiting (waiting for a human), mine (assigned to me) */
                filter?: string;
                /** @description Default 25, at most 100 */
                limit?: number;
                /** @description open | waiting_for_human | done */
                state?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboxPage"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_inbox_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Conversation id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboxThread"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_api_inbox_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Conversation id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConversationPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboxConversation"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_inbox_id_read: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Conversation id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboxConversation"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_invoices: {
        parameters: {
            query?: {
                customer_id?: string;
                /** @description default 25, at most 100 (larger is clamped) */
                limit?: number;
                /** @description 1-based, default 1 */
                page?: number;
                /** @description created_at | -created_at | number | -number (default -created_at) */
                sort?: string;
                /** @description draft | sent | paid | cancelled */
                status?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Invoice"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_invoices: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewInvoice"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_invoices_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Invoice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_invoices_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Invoice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The invoice is not a draft (cancel it instead) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_invoices_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Invoice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InvoicePatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not allowed in the invoice's status (a transition the life cycle does not allow, or editing an issued invoice) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_invoices_numbering: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NumberingList"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_api_invoices_numbering_doc_type: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description tax_invoice | tax_invoice_receipt | receipt | credit_note */
                doc_type: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FirstNumber"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NumberingSequence"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin, or the feature is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description A document of this type was already issued */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_proposals: {
        parameters: {
            query?: {
                customer_id?: string;
                /** @description default 25, at most 100 (larger is clamped) */
                limit?: number;
                /** @description 1-based, default 1 */
                page?: number;
                /** @description created_at | -created_at | valid_until | -valid_until (default -created_at) */
                sort?: string;
                /** @description draft | sent | accepted | rejected | expired */
                status?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Proposal"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_proposals: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewProposal"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Proposal"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_proposals_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Proposal id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Proposal"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_proposals_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Proposal id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The proposal was accepted */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_proposals_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Proposal id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProposalPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Proposal"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not allowed in the proposal's status */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_proposals_id_signature_link: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Proposal id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignatureLink"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`signature_disabled`, `proposals_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The proposal is accepted, rejected or expired, or past its `valid_until` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_proposals_id_signatures: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Proposal id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignatureRecord"][];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The feature is off for this business (`signature_disabled`, `proposals_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_public_signatures_token: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The token of the signing link */
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SigningDocument"];
                };
            };
            /** @description The link is unknown, was already used, was revoked (the document's text changed, or a newer link was made) or has expired, or its document is signed (`gone`) */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_public_signatures_token: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The token of the signing link */
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignedReceipt"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The document's text is not the one whose `document_sha256` was sent (`document_changed`): reload the page */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The link is unknown, was already used, was revoked or has expired, or its document is signed (`gone`) */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than a 1 MB image in base64 */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`): `signer_name`; `image_png_base64` (not base64, or not a complete PNG of at most 2000 × 1000 pixels); `document_sha256` (missing — clients that do not send it are refused — or not 64 hex digits) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_push_public_key: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PublicKey"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Web Push is off (`push_not_configured`) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_push_subscribe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Subscription"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Subscribed"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid subscription (field named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_push_subscribe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Unsubscribe"];
            };
        };
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No endpoint */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_reports_summary: {
        parameters: {
            query?: {
                /** @description RFC 3339; default 30 days before `to` */
                from?: string;
                /** @description RFC 3339, after `from`; default now */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReportSummary"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_signatures_id_image: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Signature id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The signature as drawn */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": number[];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The feature is off for this business (`signature_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's), or not signed yet */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_tasks: {
        parameters: {
            query?: {
                customer_id?: string;
                done?: boolean;
                /** @description RFC 3339 */
                due_after?: string;
                /** @description RFC 3339 */
                due_before?: string;
                limit?: number;
                page?: number;
                /** @description created_at | -created_at | due_at | -due_at (default due_at) */
                sort?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Task"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_tasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewTask"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_tasks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Task id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_tasks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Task id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_tasks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Task id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaskPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`<feature>_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not found (or another business's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_tax_authority: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaxAuthorityStatus"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The invoices feature is off for this business */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_api_tax_authority: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaxAuthorityStatus"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin, or the invoices feature is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_tax_authority_callback: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConnectCallback"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaxAuthorityStatus"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin, or the invoices feature is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The server is not set up to reach the Tax Authority */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description An unknown, used, expired or another user's state, or a code the Authority refused (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The Tax Authority could not be reached */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_tax_authority_connect: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectStart"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin, or the invoices feature is off */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The server is not set up to reach the Tax Authority */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_today: {
        parameters: {
            query?: {
                /** @description RFC 3339: an instant of the day to list (its calendar day in Israel); default now */
                at?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Today"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden, or the feature is off for this business (`crm_disabled`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserList"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewUser"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin; only an owner adds an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The email is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patch_api_users_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Only an owner or admin; only an owner changes an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such user in this business */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The change would leave the business without an active owner */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid field (named in `field`) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_api_whatsapp_cloud_number: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CloudNumber"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CloudNumber"];
                };
            };
            /** @description Not an owner/admin, or `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The number belongs to another business */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid `phone_number_id` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_whatsapp_send: {
        parameters: {
            query?: never;
            header?: {
                /** @description Same key, same result */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SendMessage"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SentMessage"];
                };
            };
            /** @description Read-only user, or `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unknown customer */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description WhatsApp is not connected */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Invalid `to` or `text` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The WhatsApp sidecar is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_whatsapp_session_logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WhatsAppSession"];
                };
            };
            /** @description Not an owner/admin, or `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The WhatsApp sidecar is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_api_whatsapp_session_start: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WhatsAppSession"];
                };
            };
            /** @description Not an owner/admin, or `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The WhatsApp sidecar is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_api_whatsapp_status: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WhatsAppSession"];
                };
            };
            /** @description `whatsapp_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    get_readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description crm-svc is SERVING; `status` is `ready` when every service is, else `degraded`, and `checks` names what is not */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description crm-svc is not ready; `checks` names every failing service */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    post_webhook_call_status: {
        parameters: {
            query?: never;
            header?: {
                /** @description Twilio's request signature */
                "X-Twilio-Signature"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        /** @description Twilio's status callback parameters (CallSid, CallStatus, CallDuration, …) */
        requestBody?: {
            content: {
                "application/x-www-form-urlencoded": unknown;
            };
        };
        responses: {
            /** @description An empty TwiML response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/xml": unknown;
                };
            };
            /** @description `invalid_signature`, or `voice_disabled` for the called business */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `service_unavailable`: the call event could not be stored (nothing was accepted; retry) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_webhook_handle_recording: {
        parameters: {
            query?: never;
            header?: {
                /** @description Twilio's request signature */
                "X-Twilio-Signature"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        /** @description Twilio's <Record> action parameters (RecordingUrl, RecordingDuration, …) */
        requestBody?: {
            content: {
                "application/x-www-form-urlencoded": unknown;
            };
        };
        responses: {
            /** @description TwiML */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/xml": unknown;
                };
            };
            /** @description `invalid_signature`, or `voice_disabled` for the called business */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `service_unavailable`: the call event could not be stored (nothing was accepted; retry) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_webhook_incoming_call: {
        parameters: {
            query?: never;
            header?: {
                /** @description Twilio's request signature */
                "X-Twilio-Signature"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        /** @description Twilio's voice request parameters (CallSid, From, To, …) */
        requestBody?: {
            content: {
                "application/x-www-form-urlencoded": unknown;
            };
        };
        responses: {
            /** @description TwiML */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/xml": unknown;
                };
            };
            /** @description `invalid_signature`, or `voice_disabled` for the called business */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `service_unavailable`: the call event could not be stored (nothing was accepted; retry) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_webhook_media_stream: {
        parameters: {
            query?: never;
            header: {
                /** @description Twilio's signature of the stream URL */
                "X-Twilio-Signature": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Switching Protocols: the Media Stream */
            101: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `websocket_required`: not a WebSocket upgrade */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_signature` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description voice-svc is unreachable */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `upgrade_refused`: voice-svc is shutting down and takes no new streams (Twilio goes on with the TwiML after `<Connect>`) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_webhook_outbound_connect: {
        parameters: {
            query: {
                /** @description The customer's number (set by voice-svc, signed by Twilio) */
                to: string;
            };
            header?: {
                /** @description Twilio's request signature */
                "X-Twilio-Signature"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        /** @description Twilio's voice request parameters */
        requestBody?: {
            content: {
                "application/x-www-form-urlencoded": unknown;
            };
        };
        responses: {
            /** @description TwiML with <Dial> */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/xml": unknown;
                };
            };
            /** @description `invalid_signature`, or `voice_disabled` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_webhook_recording_status: {
        parameters: {
            query?: never;
            header?: {
                /** @description Twilio's request signature */
                "X-Twilio-Signature"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        /** @description Twilio's recording status callback parameters (CallSid, RecordingUrl, RecordingStatus, …) */
        requestBody?: {
            content: {
                "application/x-www-form-urlencoded": unknown;
            };
        };
        responses: {
            /** @description An empty TwiML response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/xml": unknown;
                };
            };
            /** @description `invalid_signature` */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `service_unavailable`: the call event could not be stored (nothing was accepted; retry) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_webhook_whatsapp_auth: {
        parameters: {
            query?: never;
            header: {
                /** @description The sidecar's shared secret */
                "x-bridge-secret": string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description {business_id, op: get|set|clear|paired|lease|release, keys?, values?, holder?, holder_addr?, ttl_ms?} */
        requestBody?: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            /** @description get: `{values}`; set: `{}`; clear: `{removed}`; paired: `{business_ids}`; lease: `{granted, holder, ...}`; release: `{released}` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed payload */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Missing or wrong secret */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_webhook_whatsapp_cloud: {
        parameters: {
            query: {
                "hub.challenge": string;
                "hub.mode": string;
                "hub.verify_token": string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The challenge, as text */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": unknown;
                };
            };
            /** @description Wrong verify token, or the Cloud API is not the provider */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_webhook_whatsapp_cloud: {
        parameters: {
            query?: never;
            header: {
                /** @description sha256=<hex HMAC of the body> */
                "X-Hub-Signature-256": string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description Meta's webhook payload (object whatsapp_business_account) */
        requestBody?: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            /** @description `{published}` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed payload */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Missing or wrong signature */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `service_unavailable`: the events could not be stored (nothing was accepted; Meta retries) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    post_webhook_whatsapp_incoming: {
        parameters: {
            query?: never;
            header: {
                /** @description The sidecar's shared secret */
                "x-bridge-secret": string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description {id, business_id, event, occurred_at, data}: a Baileys event as the sidecar forwards it */
        requestBody?: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            /** @description Accepted: `{published}` events went to the bus */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed payload */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Missing or wrong secret */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unknown business */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `service_unavailable`: the events could not be stored (nothing was accepted; the sidecar retries) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
