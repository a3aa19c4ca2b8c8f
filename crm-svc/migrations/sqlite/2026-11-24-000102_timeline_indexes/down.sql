DROP INDEX invoices_timeline;
DROP INDEX contracts_timeline;
DROP INDEX tasks_timeline;
DROP INDEX whatsapp_messages_timeline;
DROP INDEX calls_timeline;
