-- 志愿者: volunteers (家长, 社区人员, 教师志愿者, 公益组织) registered for a Volunteer-role account,
-- the checks before their first session (identity, 无犯罪记录证明, safety training) each
-- recorded by the member of staff who saw it, the school's validity for those checks, and
-- the hours certificates (志愿服务时长证明) a school admin signs off.

-- How many months a check stays valid at this school (none: 12).
CREATE TABLE volunteer_settings (
    school_id     TEXT PRIMARY KEY REFERENCES schools(id),
    valid_months  BIGINT NOT NULL,
    updated_by    TEXT NOT NULL REFERENCES users(id),
    updated_at    BIGINT NOT NULL
);

-- One volunteer: the account (its name and phone are the account's), what they are to the
-- school, and the organisation's name for ORGANISATION ('' otherwise).
CREATE TABLE volunteers (
    user_id        TEXT PRIMARY KEY REFERENCES users(id),
    school_id      TEXT NOT NULL REFERENCES schools(id),
    kind           TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    registered_by  TEXT NOT NULL REFERENCES users(id),
    registered_at  BIGINT NOT NULL
);
CREATE INDEX volunteers_school ON volunteers(school_id);

-- Each check as recorded, never edited (the newest of a kind counts). `dated`: the day the
-- identity was seen, the certificate's own date, the training day; `seen_on`: the day the
-- member of staff saw the evidence. `id_last4` only for IDENTITY, never more of the number.
CREATE TABLE volunteer_checks (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    user_id      TEXT NOT NULL REFERENCES volunteers(user_id),
    check_kind   TEXT NOT NULL,
    dated        TEXT NOT NULL,
    seen_on      TEXT NOT NULL,
    id_last4     TEXT NOT NULL,
    checked_by   TEXT NOT NULL REFERENCES users(id),
    checked_at   BIGINT NOT NULL,
    CHECK (length(id_last4) <= 4)
);
CREATE INDEX volunteer_checks_user ON volunteer_checks(user_id, check_kind, checked_at);

-- 志愿服务时长证明: the range, the minutes and the days counted (JSON [[day, minutes], …]) frozen
-- when a school admin issued it, with the names as they stood then.
CREATE TABLE volunteer_certificates (
    id              TEXT PRIMARY KEY,
    school_id       TEXT NOT NULL REFERENCES schools(id),
    user_id         TEXT NOT NULL REFERENCES volunteers(user_id),
    number          BIGINT NOT NULL,
    from_day        TEXT NOT NULL,
    to_day          TEXT NOT NULL,
    minutes         BIGINT NOT NULL,
    days            TEXT NOT NULL,
    volunteer_name  TEXT NOT NULL,
    kind            TEXT NOT NULL,
    organisation    TEXT NOT NULL,
    issued_by       TEXT NOT NULL REFERENCES users(id),
    issuer_name     TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    UNIQUE (school_id, number)
);
CREATE INDEX volunteer_certificates_user ON volunteer_certificates(user_id, issued_at);
