-- Guards at the classroom door (交接).

-- 接送码 attempts. Every code typed or scanned at the door is a row before the code is looked up:
-- inserted and committed first, then the wrong ones in the window are counted, so of concurrent
-- guesses the k-th to commit sees at least k — the limit per teacher and per child holds across
-- instances and against a burst of requests. PENDING until decided, then RIGHT (one of the child's
-- adults), WRONG (refused) or THROTTLED (one too many: not looked up). PENDING and WRONG count.
CREATE TABLE pickup_code_attempts (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    student_id  TEXT NOT NULL REFERENCES students(id),
    teacher_id  TEXT NOT NULL REFERENCES users(id),
    day         TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX pickup_code_attempts_teacher ON pickup_code_attempts(teacher_id, at);
CREATE INDEX pickup_code_attempts_student ON pickup_code_attempts(student_id, at);

-- Refused hand-overs of one child, alerted once a burst: the first refusal alerts the leaders;
-- further refusals of that child within 10 minutes of it only count here (one upsert on this
-- row, so two instances refusing at once still send one alert). One row per child and day: the
-- current burst (when it started, its last refusal, how many) and the day's total.
CREATE TABLE refusal_alerts (
    id              TEXT PRIMARY KEY,
    school_id       TEXT NOT NULL REFERENCES schools(id),
    student_id      TEXT NOT NULL REFERENCES students(id),
    day             TEXT NOT NULL,
    burst_started   BIGINT NOT NULL,
    burst_last      BIGINT NOT NULL,
    burst_refusals  BIGINT NOT NULL,
    refusals_today  BIGINT NOT NULL,
    UNIQUE (student_id, day)
);
CREATE INDEX refusal_alerts_school_day ON refusal_alerts(school_id, day);
