-- Messages in the reader's language: a notification is stored as a message key and its named
-- arguments (JSON), and rendered in the language of whoever reads it (the inbox) or the school's
-- (a channel). Rows written before keep their composed title and body.
ALTER TABLE inbox ADD COLUMN message_key TEXT;
ALTER TABLE inbox ADD COLUMN message_args TEXT;
ALTER TABLE outbox ADD COLUMN message_key TEXT;
ALTER TABLE outbox ADD COLUMN message_args TEXT;
