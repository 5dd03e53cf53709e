-- 值班: the duty roster (教师值班表), declared unavailability, limits, swaps, absences and cover
-- (代班), and the duty log (值班记录). A class's care (看护) is not a post row: it comes from the
-- session plan, and a cover turn (source COVER, class_id set) takes it over for one day.

-- The school's settings for duty: the default weekly limit, whether an accepted swap needs a
-- leader's approval, and after how many minutes the other leaders hear of a late pickup the duty
-- leader has not acted on.
CREATE TABLE duty_settings (
    school_id        TEXT PRIMARY KEY REFERENCES schools(id),
    max_per_week     BIGINT NOT NULL,
    swaps_need_leader BIGINT NOT NULL,
    leader_minutes   BIGINT NOT NULL,
    updated_by       TEXT NOT NULL REFERENCES users(id),
    updated_at       BIGINT NOT NULL
);

-- 值班岗位: hallway (楼道), gate (校门), waiting room (等候室), duty leader (值班领导).
CREATE TABLE duty_posts (
    id               TEXT PRIMARY KEY,
    school_id        TEXT NOT NULL REFERENCES schools(id),
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    -- the weekdays it runs, e.g. '12345'; the grades it serves, '' for the whole school
    weekdays         TEXT NOT NULL,
    grades           TEXT NOT NULL,
    starts           TEXT NOT NULL,
    ends             TEXT NOT NULL,
    needs            BIGINT NOT NULL,
    weight_permille  BIGINT NOT NULL,
    -- role codes that may take it, comma-separated ('' = any staff); a LEADER post: the leadership group
    roles            TEXT NOT NULL,
    active           BIGINT NOT NULL,
    updated_by       TEXT NOT NULL REFERENCES users(id),
    updated_at       BIGINT NOT NULL
);
CREATE INDEX duty_posts_school ON duty_posts(school_id);

-- 不能值班: a weekday of every week, or one date, with the reason the person gave.
CREATE TABLE duty_unavailable (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    weekday     BIGINT,
    day         TEXT,
    reason      TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    CHECK ((weekday IS NULL) <> (day IS NULL))
);
CREATE INDEX duty_unavailable_user ON duty_unavailable(school_id, user_id);

-- A person's own limit (NULL: the school's default) or their exclusion from duty.
CREATE TABLE duty_limits (
    user_id      TEXT PRIMARY KEY REFERENCES users(id),
    school_id    TEXT NOT NULL REFERENCES schools(id),
    max_per_week BIGINT,
    excluded     BIGINT NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users(id),
    updated_at   BIGINT NOT NULL
);

-- A term's roster: the draft the generator and the leaders' edits write, and when it was last
-- generated and published.
CREATE TABLE duty_rosters (
    term_id        TEXT PRIMARY KEY REFERENCES terms(id),
    school_id      TEXT NOT NULL REFERENCES schools(id),
    generated_at   BIGINT,
    generated_by   TEXT REFERENCES users(id),
    -- the generator's last figures: spread, bound, changes, solver milliseconds, short posts (JSON)
    figures        TEXT,
    published_at   BIGINT,
    published_by   TEXT REFERENCES users(id),
    draft_changed  BIGINT NOT NULL
);

-- One person on one post (or a class's care) on one day. `published` = 0 is the draft, 1 the
-- roster staff see; publishing replaces the published future days with the draft's, and a
-- published turn's id is its draft's id with '-p' (a swap or a cover changes both). `source`:
-- GENERATED, HAND (a leader's edit), SWAP, COVER (代班, `covers_user_id` is who is absent).
CREATE TABLE duty_turns (
    id              TEXT PRIMARY KEY,
    school_id       TEXT NOT NULL REFERENCES schools(id),
    term_id         TEXT NOT NULL REFERENCES terms(id),
    day             TEXT NOT NULL,
    -- the post's id, or the class's id for a care cover
    slot            TEXT NOT NULL,
    post_id         TEXT REFERENCES duty_posts(id),
    class_id        TEXT REFERENCES classes(id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    published       BIGINT NOT NULL,
    source          TEXT NOT NULL,
    covers_user_id  TEXT REFERENCES users(id),
    created_by      TEXT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    CHECK ((post_id IS NULL) <> (class_id IS NULL)),
    UNIQUE (term_id, published, day, slot, user_id)
);
CREATE INDEX duty_turns_school_day ON duty_turns(school_id, published, day);
CREATE INDEX duty_turns_user_day ON duty_turns(user_id, published, day);

-- 换班: a teacher offers a published turn to a colleague (optionally taking one of theirs back);
-- the colleague accepts; a leader approves unless the school lets accepted swaps stand.
-- PROPOSED → ACCEPTED → APPROVED, or DECLINED / WITHDRAWN / REJECTED / LAPSED.
CREATE TABLE duty_swaps (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    term_id       TEXT NOT NULL REFERENCES terms(id),
    -- the published turns (no foreign key: publishing replaces the rows; a pending swap whose
    -- turns were replaced lapses)
    turn_id       TEXT NOT NULL,
    from_user     TEXT NOT NULL REFERENCES users(id),
    to_user       TEXT NOT NULL REFERENCES users(id),
    back_turn_id  TEXT,
    status        TEXT NOT NULL,
    note          TEXT NOT NULL,
    proposed_at   BIGINT NOT NULL,
    answered_at   BIGINT,
    decided_by    TEXT REFERENCES users(id),
    decided_at    BIGINT
);
CREATE INDEX duty_swaps_school ON duty_swaps(school_id, status);

-- 请假 of a teacher: absent on a day; the roster shows the turns it leaves open and a cover
-- turn (duty_turns.source = COVER) fills each.
CREATE TABLE duty_absences (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    day          TEXT NOT NULL,
    reason       TEXT NOT NULL,
    reported_by  TEXT NOT NULL REFERENCES users(id),
    reported_at  BIGINT NOT NULL,
    withdrawn_at BIGINT,
    UNIQUE (user_id, day)
);
CREATE INDEX duty_absences_school_day ON duty_absences(school_id, day);

-- 值班记录: for the hallway, gate and leader posts, what was checked and what happened, signed
-- by the person on duty under their own name. `minutes` is the post's length that day: with
-- the signed daily records it is the ground truth for duty workload and volunteers' hours.
CREATE TABLE duty_log (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    day          TEXT NOT NULL,
    post_id      TEXT NOT NULL REFERENCES duty_posts(id),
    kind         TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id),
    checked      TEXT NOT NULL,
    happened     TEXT NOT NULL,
    minutes      BIGINT NOT NULL,
    covered_for  TEXT REFERENCES users(id),
    signed_name  TEXT NOT NULL,
    signed_at    BIGINT NOT NULL,
    UNIQUE (day, post_id, user_id)
);
CREATE INDEX duty_log_school_day ON duty_log(school_id, day);
CREATE INDEX duty_log_user_day ON duty_log(user_id, day);

-- 值班提醒: each person is reminded of the next day's turns once (whichever instance gets there first).
CREATE TABLE duty_reminders (
    user_id   TEXT NOT NULL REFERENCES users(id),
    day       TEXT NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools(id),
    sent_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- A late pickup's waiting-room or decision alert goes to the day's duty leader first; if the
-- leader has not acted within the school's minutes, the other leaders are told, once.
CREATE TABLE duty_escalations (
    id         TEXT PRIMARY KEY,
    school_id  TEXT NOT NULL REFERENCES schools(id),
    student_id TEXT NOT NULL REFERENCES students(id),
    day        TEXT NOT NULL,
    step       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    UNIQUE (student_id, day, step)
);
