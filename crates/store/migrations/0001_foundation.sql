-- Foundation: schools, accounts, sessions, sign-in throttling, guardian invitations,
-- the hash-chained audit log, the in-app inbox and the notification outbox.

CREATE TABLE schools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    time_zone   TEXT NOT NULL,
    is_demo     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    school_id       TEXT REFERENCES schools(id),
    role            TEXT NOT NULL,
    username        TEXT UNIQUE,
    phone           TEXT UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    locale          TEXT,
    totp_secret     TEXT,
    totp_enabled    BIGINT NOT NULL DEFAULT 0,
    totp_last_step  BIGINT,
    disabled_at     BIGINT,
    created_at      BIGINT NOT NULL,
    CHECK (username IS NOT NULL OR phone IS NOT NULL),
    -- Only a district admin stands outside a school.
    CHECK ((role = 'district_admin') = (school_id IS NULL))
);
CREATE INDEX users_school ON users(school_id);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    stage         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    user_agent    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE sign_in_failures (
    id    TEXT PRIMARY KEY,
    key   TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_key_at ON sign_in_failures(key, at);

CREATE TABLE guardian_invitations (
    code_hash   TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_by     TEXT REFERENCES users(id),
    used_at     BIGINT
);
CREATE INDEX guardian_invitations_school ON guardian_invitations(school_id, created_at);

CREATE TABLE audit_heads (
    scope  TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL
);

CREATE TABLE audit_log (
    scope      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (scope, seq)
);

CREATE TABLE inbox (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX inbox_user_created ON inbox(user_id, created_at);

CREATE TABLE channels (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    target      TEXT NOT NULL,
    secret      TEXT,
    enabled     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL
);
CREATE INDEX channels_school ON channels(school_id);

CREATE TABLE outbox (
    id                TEXT PRIMARY KEY,
    school_id         TEXT NOT NULL REFERENCES schools(id),
    channel_id        TEXT NOT NULL REFERENCES channels(id),
    title             TEXT NOT NULL,
    body              TEXT NOT NULL,
    status            TEXT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL,
    claimed_by        TEXT,
    claim_expires_at  BIGINT,
    created_at        BIGINT NOT NULL,
    delivered_at      BIGINT,
    last_error        TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

CREATE TABLE outbox_attempts (
    id          TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES outbox(id),
    at          BIGINT NOT NULL,
    worker      TEXT NOT NULL,
    ok          BIGINT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX outbox_attempts_message ON outbox_attempts(message_id, at);
