-- Enrolment: the notice to parents, the needs survey, applications and their reviews, the
-- versioned safety agreement with its signatures, and leave.

CREATE TABLE parent_notices (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    term_id       TEXT NOT NULL REFERENCES terms(id),
    version       BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users(id),
    published_at  BIGINT NOT NULL,
    UNIQUE (term_id, version)
);

CREATE TABLE notice_reads (
    notice_id  TEXT NOT NULL REFERENCES parent_notices(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    at         BIGINT NOT NULL,
    PRIMARY KEY (notice_id, user_id)
);

CREATE TABLE survey_answers (
    id             TEXT PRIMARY KEY,
    school_id      TEXT NOT NULL REFERENCES schools(id),
    term_id        TEXT NOT NULL REFERENCES terms(id),
    student_id     TEXT NOT NULL REFERENCES students(id),
    needs_care     BIGINT NOT NULL,
    weekdays       BIGINT NOT NULL,
    latest_pickup  BIGINT,
    reason         TEXT NOT NULL,
    source         TEXT NOT NULL,
    answered_by    TEXT NOT NULL REFERENCES users(id),
    answered_at    BIGINT NOT NULL,
    UNIQUE (term_id, student_id)
);

CREATE TABLE agreement_templates (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    UNIQUE (school_id, version)
);

CREATE TABLE enrolments (
    id                 TEXT PRIMARY KEY,
    school_id          TEXT NOT NULL REFERENCES schools(id),
    term_id            TEXT NOT NULL REFERENCES terms(id),
    student_id         TEXT NOT NULL REFERENCES students(id),
    applicant_id       TEXT NOT NULL REFERENCES users(id),
    state              TEXT NOT NULL,
    weekdays           BIGINT NOT NULL,
    latest_pickup      BIGINT NOT NULL,
    pickup_plan        TEXT NOT NULL,
    health_disclosure  TEXT NOT NULL,
    reason             TEXT NOT NULL,
    priority_group     TEXT,
    consent_version    TEXT NOT NULL,
    consent_at         BIGINT NOT NULL,
    notice_id          TEXT REFERENCES parent_notices(id),
    decision_reason    TEXT,
    decision_note      TEXT,
    ends_on            TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX enrolments_school_state ON enrolments(school_id, term_id, state);
-- One open application per child and term: a second is refused by the database itself.
CREATE UNIQUE INDEX enrolments_one_open ON enrolments(term_id, student_id)
    WHERE state NOT IN ('REJECTED', 'CANCELLED', 'WITHDRAWN', 'TERMINATED');

CREATE TABLE enrolment_events (
    id             TEXT PRIMARY KEY,
    enrolment_id   TEXT NOT NULL REFERENCES enrolments(id),
    step           TEXT NOT NULL,
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    actor_id       TEXT NOT NULL REFERENCES users(id),
    note           TEXT NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX enrolment_events_enrolment ON enrolment_events(enrolment_id, at);

CREATE TABLE agreements (
    id                 TEXT PRIMARY KEY,
    enrolment_id       TEXT NOT NULL REFERENCES enrolments(id),
    version            BIGINT NOT NULL,
    template_version   BIGINT NOT NULL,
    weekdays           BIGINT NOT NULL,
    latest_pickup      BIGINT NOT NULL,
    pickup_plan        TEXT NOT NULL,
    text               TEXT NOT NULL,
    text_hash          TEXT NOT NULL,
    status             TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    UNIQUE (enrolment_id, version)
);

CREATE TABLE signatures (
    id            TEXT PRIMARY KEY,
    agreement_id  TEXT NOT NULL REFERENCES agreements(id),
    side          TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users(id),
    typed_name    TEXT NOT NULL,
    drawing       TEXT,
    device        TEXT NOT NULL,
    text_hash     TEXT NOT NULL,
    at            BIGINT NOT NULL,
    UNIQUE (agreement_id, side)
);

CREATE TABLE leave_requests (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    student_id    TEXT NOT NULL REFERENCES students(id),
    first_day     TEXT NOT NULL,
    last_day      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    via           TEXT NOT NULL,
    entered_by    TEXT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    confirmed_by  TEXT REFERENCES users(id),
    confirmed_at  BIGINT,
    CHECK (first_day <= last_day)
);
CREATE INDEX leave_requests_student ON leave_requests(student_id, first_day);
