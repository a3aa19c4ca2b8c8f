DROP INDEX invoices_business_paid;
DROP INDEX invoices_business_issued;
DROP INDEX tasks_business_due;
DROP INDEX tasks_business_done_at;
DROP INDEX whatsapp_messages_business_created;
