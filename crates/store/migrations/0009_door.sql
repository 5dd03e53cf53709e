-- The classroom door: which child a message to a guardian is about (未到, 迟接), so the child's
-- card can show that the guardian was told and has read it.
ALTER TABLE inbox ADD COLUMN student_id TEXT REFERENCES students(id);
CREATE INDEX inbox_student_created ON inbox(student_id, created_at);
