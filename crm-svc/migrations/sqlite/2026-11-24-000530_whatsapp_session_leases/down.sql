DROP TABLE whatsapp_session_leases;
