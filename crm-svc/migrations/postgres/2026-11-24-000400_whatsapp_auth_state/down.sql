DROP TABLE whatsapp_lid_phones;
DROP TABLE whatsapp_auth_state;
