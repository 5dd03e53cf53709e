-- The classroom door: which child a message to a guardian is about (未到, 迟接), so the child's
-- card can show that the guardian was told and has read it.
ALTER TABLE inbox ADD COLUMN student_id TEXT REFERENCES students(id);
CREATE INDEX inbox_student_created ON inbox(student_id, created_at);
-- Every page counts the reader's unread messages; a school admin's inbox grows by thousands of
-- review notices a term, so the count reads only the unread ones.
CREATE INDEX inbox_unread ON inbox(user_id) WHERE read_at IS NULL;
-- A class's (or school's) day joins each child to their enrolment of the term: without this the
-- planner of SQLite scans every agreement, texts and all (the only other index is partial).
CREATE INDEX enrolments_student ON enrolments(student_id, term_id);
