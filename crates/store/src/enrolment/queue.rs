//! 待审核: who is told that an application waits for them, and how many wait. A guardian's
//! submission tells the class teacher of the child's class; the class review tells the school
//! admins; the guardian's signature (on a first agreement or a change of terms) tells them the
//! agreement waits for the school's countersignature (签章). Each notice is enqueued in the
//! transaction of the step.

use super::*;

/// What waits for one person's review, counted in the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewQueue {
    /// Submitted applications of children in the classes this person is class teacher of.
    pub class_review: i64,
    /// Applications the class approved, waiting for the school (school admins only).
    pub school_review: i64,
    /// Agreements the guardian signed, waiting for the school's countersignature (school admins only).
    pub countersign: i64,
}

impl ReviewQueue {
    pub fn is_empty(&self) -> bool {
        self.class_review == 0 && self.school_review == 0 && self.countersign == 0
    }
}

/// Which waiting work a step hands on, and to whom: the message key of the notice.
pub(super) fn handed_on(step: Step) -> Option<&'static str> {
    match step {
        Step::Submit => Some("msg-review-class"),
        Step::ClassApprove => Some("msg-review-school"),
        Step::GuardianSign => Some("msg-review-countersign"),
        _ => None,
    }
}

/// Tells the next reviewer that `e` waits for them (after `step`), in the step's transaction.
pub(super) async fn notify_reviewers(tx: &mut Tx, e: &Enrolment, step: Step, at: i64) -> Result<()> {
    let Some(key) = handed_on(step) else {
        return Ok(());
    };
    let r = sqlx::query(
        "SELECT s.name AS student, c.grade, c.number, c.class_teacher_id FROM students s JOIN classes c ON c.id = s.class_id WHERE s.id = $1",
    )
    .bind(e.student_id.to_string())
    .fetch_one(&mut **tx)
    .await?;
    let recipients: Vec<UserId> = if step == Step::Submit {
        // The class teacher, while their account is in use.
        let teacher: Option<String> = r.try_get("class_teacher_id")?;
        match teacher {
            Some(t) => sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE id = $1 AND disabled_at IS NULL")
                .bind(t)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(UserId::from_db)
                .collect(),
            None => Vec::new(),
        }
    } else {
        sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE school_id = $1 AND role = 'school_admin' AND disabled_at IS NULL")
            .bind(e.school_id.to_string())
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(UserId::from_db)
            .collect()
    };
    if recipients.is_empty() {
        return Ok(());
    }
    let grade = Grade::new(r.try_get::<i64, _>("grade")? as u32).map_err(|_| StoreError::Corrupt("classes.grade".into()))?;
    let args = Args::new()
        .text("student", r.try_get::<String, _>("student")?)
        .text("class", class_name_zh(grade, r.try_get::<i64, _>("number")? as u8));
    let notice = Notice::new(&e.school_id, recipients, Message::new(key, args), false).about(&e.student_id);
    enqueue(tx, &notice, at).await?;
    Ok(())
}

impl Store {
    /// How many applications and agreements wait for `who` (one query): a class teacher's
    /// submitted applications, a school admin's class-approved ones and guardian-signed
    /// agreements. Other roles review nothing and get zeros.
    pub async fn review_queue(&self, who: &User) -> Result<ReviewQueue> {
        let Some(school) = &who.school_id else {
            return Ok(ReviewQueue::default());
        };
        let admin = who.role == yanshi_domain::role::Role::SchoolAdmin;
        let r = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM enrolments e JOIN students s ON s.id = e.student_id JOIN classes c ON c.id = s.class_id \
              WHERE e.school_id = $1 AND e.state = 'SUBMITTED' AND c.class_teacher_id = $2) AS class_review, \
             (SELECT COUNT(*) FROM enrolments e WHERE e.school_id = $1 AND e.state = 'CLASS_APPROVED' AND $3 = 1) AS school_review, \
             (SELECT COUNT(*) FROM agreements a JOIN enrolments e ON e.id = a.enrolment_id \
              WHERE e.school_id = $1 AND a.status = 'GUARDIAN_SIGNED' AND e.state IN ('SIGNED', 'ACTIVE') AND $3 = 1) AS countersign",
        )
        .bind(school.to_string())
        .bind(who.id.to_string())
        .bind(admin as i64)
        .fetch_one(self.pool())
        .await?;
        Ok(ReviewQueue {
            class_review: r.try_get("class_review")?,
            school_review: r.try_get("school_review")?,
            countersign: r.try_get("countersign")?,
        })
    }
}
