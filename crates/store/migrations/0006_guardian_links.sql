-- 监护人关系的来源与确认: a guardian linked to a child by a staff member takes effect (for
-- enrolment, the guardian's view of the child, the child's notices) only once a second school
-- admin confirms it. An import by a school admin is the school's own record and counts as
-- confirmed. Links made before this migration came from imports and the demo: confirmed.
ALTER TABLE student_guardians ADD COLUMN source TEXT NOT NULL DEFAULT 'IMPORT';
ALTER TABLE student_guardians ADD COLUMN added_by TEXT REFERENCES users(id);
ALTER TABLE student_guardians ADD COLUMN added_at BIGINT;
ALTER TABLE student_guardians ADD COLUMN confirmed_by TEXT REFERENCES users(id);
ALTER TABLE student_guardians ADD COLUMN confirmed_at BIGINT;
UPDATE student_guardians SET confirmed_at = 0;
CREATE INDEX student_guardians_pending ON student_guardians(confirmed_at);
