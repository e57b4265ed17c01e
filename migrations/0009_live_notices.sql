-- Notices translatable (issue 14): a system entry of the live log keeps the notice it tells
-- the shopper (core::handoff::Notice as JSON: `{"notice":"person_will_reply","minutes":10}`)
-- next to its English text, so the socket's replay and the conversation's history can send
-- the notice by name and a widget can show it in the shopper's language. NULL for every other
-- entry, and for notices stored before this column.
ALTER TABLE live_entries ADD COLUMN notice_json TEXT;
