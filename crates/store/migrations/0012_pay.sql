-- 绩效工资: the school's performance pay to its staff from the workload the signed records
-- prove (workload_entries, duty_log, published cover turns). Money is whole fen (分). Nothing
-- here concerns a family: the service is free to them.

-- A school's care basis (SESSION: per session, HOUR: per hour pro rata by minutes).
CREATE TABLE pay_settings (
    school_id    TEXT PRIMARY KEY REFERENCES schools(id),
    care_basis   TEXT NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users(id),
    updated_at   BIGINT NOT NULL
);

-- 标准: fen per unit of a kind (CARE_SESSION, CARE_HOUR, DUTY, LEADER, COVER).
CREATE TABLE workload_rates (
    school_id    TEXT NOT NULL REFERENCES schools(id),
    kind         TEXT NOT NULL,
    fen          BIGINT NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users(id),
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (school_id, kind),
    CHECK (fen >= 0)
);

-- 发放周期: a named range of months ('YYYY-MM') within a term. Locking freezes the report as
-- JSON with its SHA-256; a locked period takes no more corrections.
CREATE TABLE pay_periods (
    id             TEXT PRIMARY KEY,
    school_id      TEXT NOT NULL REFERENCES schools(id),
    term_id        TEXT NOT NULL REFERENCES terms(id),
    name           TEXT NOT NULL,
    first_month    TEXT NOT NULL,
    last_month     TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    -- bumped by every correction and by the lock: the row lock that orders them
    revision       BIGINT NOT NULL,
    locked_by      TEXT REFERENCES users(id),
    locked_at      BIGINT,
    report         TEXT,
    report_sha256  TEXT,
    UNIQUE (school_id, name),
    CHECK (first_month <= last_month),
    CHECK ((locked_at IS NULL) = (report IS NULL))
);
CREATE INDEX pay_periods_term ON pay_periods(school_id, term_id);

-- 更正: a leader's change to one teacher's kind of work in a period, with the reason.
CREATE TABLE pay_corrections (
    id             TEXT PRIMARY KEY,
    period_id      TEXT NOT NULL REFERENCES pay_periods(id),
    school_id      TEXT NOT NULL REFERENCES schools(id),
    user_id        TEXT NOT NULL REFERENCES users(id),
    kind           TEXT NOT NULL,
    delta_count    BIGINT NOT NULL,
    delta_minutes  BIGINT NOT NULL,
    delta_fen      BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    by_user        TEXT NOT NULL REFERENCES users(id),
    at             BIGINT NOT NULL
);
CREATE INDEX pay_corrections_period ON pay_corrections(period_id, user_id);

-- The report groups a school's term of entries by person and month: covering indexes let both
-- databases answer from the index alone.
CREATE INDEX workload_entries_pay ON workload_entries(school_id, day, user_id, role, minutes, class_id);
CREATE INDEX duty_log_pay ON duty_log(school_id, day, user_id, kind, minutes, covered_for);
CREATE INDEX duty_turns_cover ON duty_turns(school_id, source, published, day, user_id, class_id);
