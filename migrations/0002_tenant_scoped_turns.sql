-- Issue 10: every message query is scoped by tenant, so the idempotency key is too: a client
-- message id is unique within (tenant, conversation), and a conversation id that exists under
-- another tenant can never collide with (or be answered from) this one's rows.
DROP INDEX IF EXISTS messages_idempotency;
CREATE UNIQUE INDEX messages_idempotency ON messages (tenant_id, conversation_id, client_message_id);

-- Retention deletes messages by their own age (not only whole conversations).
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (tenant_id, created_at_ms);
