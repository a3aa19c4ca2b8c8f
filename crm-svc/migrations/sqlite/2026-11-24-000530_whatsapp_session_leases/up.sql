-- Which whatsapp-bridge replica holds a business's WhatsApp socket: one socket per business across
-- replicas. A lease is granted when there is none, it expired, or the same holder renews it; the
-- holder's advertised gRPC address lets other replicas forward that business's calls to it.
CREATE TABLE whatsapp_session_leases (
    business_id TEXT PRIMARY KEY NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    holder      TEXT NOT NULL,
    holder_addr TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
