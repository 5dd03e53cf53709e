-- The school as data: settings and service policy, the leadership group, terms with their
-- dismissal and end times, calendar overrides, grades, places, classes, staff, students with
-- their sensitive fields, guardians, authorized pickup adults, and the log of sensitive reads.

ALTER TABLE schools ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE schools ADD COLUMN contact TEXT NOT NULL DEFAULT '';

-- Times of day are minutes after midnight in the school's local time.
CREATE TABLE service_policies (
    school_id                  TEXT PRIMARY KEY REFERENCES schools(id),
    default_end_minute         BIGINT NOT NULL,
    summer_from                TEXT NOT NULL,
    winter_from                TEXT NOT NULL,
    latest_end_minute          BIGINT NOT NULL,
    late_pickup_wait_minutes   BIGINT NOT NULL,
    leave_cutoff_minute        BIGINT NOT NULL
);

-- 领导小组 (plan §四): 组长 / 副组长 / 成员.
CREATE TABLE leadership_members (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    position    TEXT NOT NULL,
    name        TEXT NOT NULL,
    title       TEXT NOT NULL,
    sort        BIGINT NOT NULL
);
CREATE INDEX leadership_members_school ON leadership_members(school_id, sort);

CREATE TABLE terms (
    id                  TEXT PRIMARY KEY,
    school_id           TEXT NOT NULL REFERENCES schools(id),
    name                TEXT NOT NULL,
    starts_on           TEXT NOT NULL,
    ends_on             TEXT NOT NULL,
    first_service_day   TEXT NOT NULL,
    last_service_day    TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    UNIQUE (school_id, name),
    CHECK (starts_on <= first_service_day AND first_service_day <= last_service_day AND last_service_day <= ends_on)
);
CREATE INDEX terms_school ON terms(school_id, starts_on);

-- weekday 0 = every day; 1 = Monday … 7 = Sunday.
CREATE TABLE term_dismissal_times (
    term_id    TEXT NOT NULL REFERENCES terms(id),
    grade      BIGINT NOT NULL,
    weekday    BIGINT NOT NULL,
    minute     BIGINT NOT NULL,
    PRIMARY KEY (term_id, grade, weekday)
);

CREATE TABLE term_end_times (
    term_id    TEXT NOT NULL REFERENCES terms(id),
    grade      BIGINT NOT NULL,
    season     TEXT NOT NULL,
    minute     BIGINT NOT NULL,
    PRIMARY KEY (term_id, grade, season)
);

-- grade 0 = the whole school.
CREATE TABLE calendar_overrides (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    day         TEXT NOT NULL,
    grade       BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (school_id, day, grade)
);

CREATE TABLE grades (
    school_id      TEXT NOT NULL REFERENCES schools(id),
    grade          BIGINT NOT NULL,
    director_id    TEXT REFERENCES users(id),
    PRIMARY KEY (school_id, grade)
);

CREATE TABLE places (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE classes (
    id                 TEXT PRIMARY KEY,
    school_id          TEXT NOT NULL REFERENCES schools(id),
    grade              BIGINT NOT NULL,
    number             BIGINT NOT NULL,
    classroom_id       TEXT REFERENCES places(id),
    class_teacher_id   TEXT REFERENCES users(id),
    UNIQUE (school_id, grade, number)
);

CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    staff_number  TEXT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT,
    title         TEXT NOT NULL,
    user_id       TEXT UNIQUE REFERENCES users(id),
    active        BIGINT NOT NULL DEFAULT 1,
    updated_at    BIGINT NOT NULL,
    UNIQUE (school_id, staff_number)
);

CREATE TABLE students (
    id              TEXT PRIMARY KEY,
    school_id       TEXT NOT NULL REFERENCES schools(id),
    class_id        TEXT NOT NULL REFERENCES classes(id),
    student_number  TEXT NOT NULL,
    name            TEXT NOT NULL,
    gender          TEXT NOT NULL,
    birth_date      TEXT,
    active          BIGINT NOT NULL DEFAULT 1,
    updated_at      BIGINT NOT NULL,
    UNIQUE (school_id, student_number)
);
CREATE INDEX students_class ON students(class_id, name);

-- Sensitive (PIPL art. 28): read only by those who need it, and every read is logged.
CREATE TABLE student_sensitive (
    student_id       TEXT PRIMARY KEY REFERENCES students(id),
    health_notes     TEXT NOT NULL,
    priority_groups  TEXT NOT NULL,
    custody_notes    TEXT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE guardians (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    user_id     TEXT UNIQUE REFERENCES users(id),
    updated_at  BIGINT NOT NULL,
    UNIQUE (school_id, phone)
);

CREATE TABLE student_guardians (
    student_id    TEXT NOT NULL REFERENCES students(id),
    guardian_id   TEXT NOT NULL REFERENCES guardians(id),
    relationship  TEXT NOT NULL,
    is_primary    BIGINT NOT NULL,
    PRIMARY KEY (student_id, guardian_id)
);
CREATE INDEX student_guardians_guardian ON student_guardians(guardian_id);

CREATE TABLE pickup_adults (
    id               TEXT PRIMARY KEY,
    student_id       TEXT NOT NULL REFERENCES students(id),
    name             TEXT NOT NULL,
    relationship     TEXT NOT NULL,
    phone            TEXT NOT NULL,
    id_last4         TEXT,
    photo            TEXT,
    adult_confirmed  BIGINT NOT NULL,
    level            TEXT NOT NULL,
    removed_at       BIGINT,
    created_at       BIGINT NOT NULL,
    CHECK (adult_confirmed = 1)
);
CREATE INDEX pickup_adults_student ON pickup_adults(student_id);

CREATE TABLE sensitive_reads (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    student_id  TEXT NOT NULL REFERENCES students(id),
    fields      TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX sensitive_reads_student ON sensitive_reads(student_id, at);

ALTER TABLE guardian_invitations ADD COLUMN guardian_id TEXT REFERENCES guardians(id);
