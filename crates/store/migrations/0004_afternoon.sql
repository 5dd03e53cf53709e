-- The afternoon: personal pickup codes, roll call (点名) and the hand-over (交接) — exactly one
-- per child per day, enforced here — and refused pickup attempts.

CREATE TABLE pickup_codes (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    adult_id    TEXT NOT NULL REFERENCES pickup_adults(id),
    code_hash   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE UNIQUE INDEX pickup_codes_live ON pickup_codes(school_id, code_hash) WHERE revoked_at IS NULL;
CREATE INDEX pickup_codes_adult ON pickup_codes(adult_id);

CREATE TABLE roll_calls (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    student_id  TEXT NOT NULL REFERENCES students(id),
    day         TEXT NOT NULL,
    status      TEXT NOT NULL,
    note        TEXT NOT NULL,
    marked_by   TEXT NOT NULL REFERENCES users(id),
    marked_at   BIGINT NOT NULL,
    UNIQUE (student_id, day)
);

CREATE TABLE handovers (
    id               TEXT PRIMARY KEY,
    school_id        TEXT NOT NULL REFERENCES schools(id),
    student_id       TEXT NOT NULL REFERENCES students(id),
    day              TEXT NOT NULL,
    kind             TEXT NOT NULL,
    adult_id         TEXT REFERENCES pickup_adults(id),
    adult_name       TEXT NOT NULL,
    relationship     TEXT NOT NULL,
    method           TEXT NOT NULL,
    teacher_id       TEXT NOT NULL REFERENCES users(id),
    at               BIGINT NOT NULL,
    override_by      TEXT REFERENCES users(id),
    override_reason  TEXT,
    request_id       TEXT NOT NULL UNIQUE,
    entered_later    BIGINT NOT NULL DEFAULT 0,
    UNIQUE (student_id, day)
);
CREATE INDEX handovers_school_day ON handovers(school_id, day);

CREATE TABLE refused_pickups (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    student_id  TEXT NOT NULL REFERENCES students(id),
    day         TEXT NOT NULL,
    adult_id    TEXT REFERENCES pickup_adults(id),
    adult_name  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    teacher_id  TEXT NOT NULL REFERENCES users(id),
    at          BIGINT NOT NULL
);

-- 迟接: each step of the late-pickup timeline fires once per child and day, whichever
-- instance's sweep gets there first (the constraint decides).
CREATE TABLE late_pickup_steps (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    student_id  TEXT NOT NULL REFERENCES students(id),
    day         TEXT NOT NULL,
    step        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    UNIQUE (student_id, day, step)
);
CREATE INDEX late_pickup_steps_school_day ON late_pickup_steps(school_id, day);

-- 未到: an expected child marked absent at roll call, and what became of them. NOT_FOUND opens
-- an incident.
CREATE TABLE unaccounted (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    student_id   TEXT NOT NULL REFERENCES students(id),
    day          TEXT NOT NULL,
    raised_by    TEXT NOT NULL REFERENCES users(id),
    raised_at    BIGINT NOT NULL,
    outcome      TEXT,
    outcome_note TEXT,
    resolved_by  TEXT REFERENCES users(id),
    resolved_at  BIGINT,
    UNIQUE (student_id, day)
);
CREATE INDEX unaccounted_school_day ON unaccounted(school_id, day);

-- 事件: what leaders must see at once (a child not found, …). Never edited; follow-ups are new rows.
CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    student_id   TEXT REFERENCES students(id),
    day          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    description  TEXT NOT NULL,
    reported_by  TEXT NOT NULL REFERENCES users(id),
    at           BIGINT NOT NULL
);
CREATE INDEX incidents_school_day ON incidents(school_id, day);

-- 活动安排: what each class does on each weekday of a term, and who takes it. A change replaces
-- the row and is recorded in the audit log with what it was before.
CREATE TABLE session_plans (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    class_id      TEXT NOT NULL REFERENCES classes(id),
    term_id       TEXT NOT NULL REFERENCES terms(id),
    weekday       BIGINT NOT NULL,
    content       TEXT NOT NULL,
    note          TEXT NOT NULL,
    teacher_id    TEXT REFERENCES users(id),
    volunteer_id  TEXT REFERENCES users(id),
    flagged       BIGINT NOT NULL,
    updated_by    TEXT NOT NULL REFERENCES users(id),
    updated_at    BIGINT NOT NULL,
    UNIQUE (class_id, term_id, weekday)
);
