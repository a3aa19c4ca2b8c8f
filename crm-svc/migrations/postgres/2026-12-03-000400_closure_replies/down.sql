DROP TABLE whatsapp_closure_replies;
