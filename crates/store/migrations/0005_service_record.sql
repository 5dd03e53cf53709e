-- 延时服务记录: one record per class and day. While DRAFT it holds only the class teacher's
-- notes (the facts are drafted live from the day's data); signing freezes the facts as JSON in
-- `facts` with the SHA-256 of the signed text, and the row is never updated again except for the
-- leader's check. Corrections are appended rows.
CREATE TABLE service_records (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    class_id     TEXT NOT NULL REFERENCES classes(id),
    day          TEXT NOT NULL,
    notes        TEXT NOT NULL,
    status       TEXT NOT NULL,
    facts        TEXT,
    text_sha256  TEXT,
    signed_by    TEXT REFERENCES users(id),
    signed_name  TEXT,
    signed_at    BIGINT,
    checked_by   TEXT REFERENCES users(id),
    checked_at   BIGINT,
    updated_by   TEXT NOT NULL REFERENCES users(id),
    updated_at   BIGINT NOT NULL,
    UNIQUE (class_id, day)
);
CREATE INDEX service_records_school_day ON service_records(school_id, day);

CREATE TABLE service_record_corrections (
    id          TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES service_records(id),
    text        TEXT NOT NULL,
    by_user     TEXT NOT NULL REFERENCES users(id),
    at          BIGINT NOT NULL
);
CREATE INDEX service_record_corrections_record ON service_record_corrections(record_id);

-- 工作量: who took a session, when and for how long — written when the day's record is signed,
-- the ground truth for workload and performance-pay reports.
CREATE TABLE workload_entries (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    record_id   TEXT NOT NULL REFERENCES service_records(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    class_id    TEXT NOT NULL REFERENCES classes(id),
    day         TEXT NOT NULL,
    role        TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT NOT NULL,
    minutes     BIGINT NOT NULL,
    UNIQUE (record_id, user_id)
);
CREATE INDEX workload_entries_school_day ON workload_entries(school_id, day);
CREATE INDEX workload_entries_user_day ON workload_entries(user_id, day);

-- 点名超时: each class's roll is checked once per day a quarter of an hour after the start
-- (whichever instance's sweep gets there first); `unmarked` > 0 means the teacher and leaders
-- were alerted, 0 that the roll was complete.
CREATE TABLE roll_call_alerts (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    class_id    TEXT NOT NULL REFERENCES classes(id),
    day         TEXT NOT NULL,
    unmarked    BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    UNIQUE (class_id, day)
);

-- 天气预警: the warning level a school's leader set for a day, newest row wins; never edited.
-- ORANGE and RED suspend leaving alone (DOMAIN §6.3).
CREATE TABLE weather_alerts (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    day         TEXT NOT NULL,
    level       TEXT NOT NULL,
    note        TEXT NOT NULL,
    set_by      TEXT NOT NULL REFERENCES users(id),
    set_at      BIGINT NOT NULL
);
CREATE INDEX weather_alerts_school_day ON weather_alerts(school_id, day, set_at);

-- 值班领导决定: what a leader decided for a child still not picked up (DOMAIN §3.4). Appended,
-- never edited; the newest is the one in force.
CREATE TABLE late_pickup_decisions (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    student_id  TEXT NOT NULL REFERENCES students(id),
    day         TEXT NOT NULL,
    decision    TEXT NOT NULL,
    note        TEXT NOT NULL,
    decided_by  TEXT NOT NULL REFERENCES users(id),
    at          BIGINT NOT NULL
);
CREATE INDEX late_pickup_decisions_student_day ON late_pickup_decisions(student_id, day);

-- Custody limits seen at the door are logged at most once per ten minutes per person: looked up by reader.
CREATE INDEX sensitive_reads_user ON sensitive_reads(user_id, at);
