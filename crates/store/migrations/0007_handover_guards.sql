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
