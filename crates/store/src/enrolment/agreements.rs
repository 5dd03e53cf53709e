//! 安全责任书: the school's template, the versions of a child's agreement made from it, and the
//! signatures (the guardian's, then the school's countersignature) that put one in force.

use super::*;

fn pickup_words(plan: PickupPlan, adults: &[(String, String)]) -> (String, String) {
    let names = adults.iter().map(|(n, r)| format!("{n}（{r}）")).collect::<Vec<_>>().join("、");
    let pickup = if names.is_empty() {
        "由监护人本人到教室门口接走".to_string()
    } else {
        format!("由监护人或登记的接送人（{names}）到教室门口接走")
    };
    let self_leave = match plan {
        PickupPlan::SelfLeave => {
            "乙方申请学生在约定服务日自行离校回家。学生离校后的安全由乙方负责；遇恶劣天气预警时自行离校暂停，须由成人接送。".to_string()
        }
        PickupPlan::ByAdults => "不申请。学生须由成人接走，不得自行离校。".to_string(),
    };
    (pickup, self_leave)
}

impl Store {
    /// The school's current agreement template: (version, text). Version 0 is the built-in one.
    pub async fn agreement_template(&self, school: &SchoolId) -> Result<(i64, String)> {
        let r = sqlx::query("SELECT version, body FROM agreement_templates WHERE school_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(school.to_string())
            .fetch_optional(self.pool())
            .await?;
        match r {
            Some(r) => Ok((r.try_get("version")?, r.try_get("body")?)),
            None => Ok((0, DEFAULT_TEMPLATE.to_string())),
        }
    }

    /// Saves a new version of the template; agreements already made keep their text.
    pub async fn save_agreement_template(&self, actor: &User, school: &SchoolId, body: &str, now: OffsetDateTime) -> Result<i64> {
        check_template(body)?;
        let (version, _) = self.agreement_template(school).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO agreement_templates (id, school_id, version, body, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(AgreementId::new().to_string())
        .bind(school.to_string())
        .bind(version + 1)
        .bind(body.to_string())
        .bind(actor.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit(
            Some(school),
            &Actor::User(actor.id.clone()),
            "agreement_template.save",
            "",
            json!({ "version": version + 1 }),
            at,
        )
        .await?;
        Ok(version + 1)
    }

    /// Every version of a child's agreement, newest first, with signatures.
    pub async fn agreements(&self, id: &EnrolmentId) -> Result<Vec<Agreement>> {
        let rows = sqlx::query("SELECT * FROM agreements WHERE enrolment_id = $1 ORDER BY version DESC")
            .bind(id.to_string())
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let aid: String = r.try_get("id")?;
            let sigs = sqlx::query(
                "SELECT s.*, u.display_name FROM signatures s JOIN users u ON u.id = s.user_id WHERE s.agreement_id = $1 ORDER BY s.at",
            )
            .bind(aid.clone())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|s| {
                Ok(Signature {
                    side: {
                        let side: String = s.try_get("side")?;
                        Party::from_code(&side).ok_or_else(|| StoreError::Corrupt(format!("signatures.side = {side}")))?
                    },
                    signer: s.try_get("display_name")?,
                    typed_name: s.try_get("typed_name")?,
                    device: s.try_get("device")?,
                    text_hash: s.try_get("text_hash")?,
                    at: from_millis(s.try_get("at")?),
                    drawing: s.try_get("drawing")?,
                })
            })
            .collect::<Result<_>>()?;
            let plan: String = r.try_get("pickup_plan")?;
            out.push(Agreement {
                id: AgreementId::from_db(aid),
                version: r.try_get("version")?,
                text: r.try_get("text")?,
                text_hash: r.try_get("text_hash")?,
                status: {
                    let status: String = r.try_get("status")?;
                    AgreementStatus::from_code(&status).ok_or_else(|| StoreError::Corrupt(format!("agreements.status = {status}")))?
                },
                terms: Terms {
                    weekdays: Weekdays(r.try_get::<i64, _>("weekdays")? as u8),
                    latest_pickup: from_minutes(r.try_get("latest_pickup")?),
                    pickup_plan: PickupPlan::parse(&plan).ok_or_else(|| StoreError::Corrupt(format!("agreements.pickup_plan = {plan}")))?,
                },
                created_at: from_millis(r.try_get("created_at")?),
                signatures: sigs,
            });
        }
        Ok(out)
    }

    /// A signature on the newest version. The guardian signs first, then a school admin
    /// countersigns; only then is the version in force (and a new enrolment ACTIVE). A version
    /// that changed since the signer read it is refused.
    pub async fn sign_agreement(
        &self,
        who: &User,
        id: &EnrolmentId,
        input: &SignatureInput,
        now: OffsetDateTime,
    ) -> Result<EnrolmentState> {
        if !input.statement_ticked {
            return Err(Invalid::new("statement", "err-must-agree").into());
        }
        if let Some(d) = &input.drawing
            && (d.len() > 200_000 || !d.starts_with("data:image/png;base64,"))
        {
            return Err(Invalid::new("drawing", "err-photo").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let e = load(tx.tx(), id).await?;
        let t = taker(tx.tx(), who, &e).await?;
        let latest = sqlx::query("SELECT id, text_hash, status FROM agreements WHERE enrolment_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(latest) = latest else {
            return Err(Invalid::new("agreement", "err-enrolment-step").into());
        };
        let (aid, hash, status): (String, String, String) =
            (latest.try_get("id")?, latest.try_get("text_hash")?, latest.try_get("status")?);
        if aid != input.agreement.as_str() || hash != input.seen_hash {
            return Err(Invalid::new("agreement", "err-agreement-changed").into());
        }
        let (side, new_status, step) = match AgreementStatus::from_code(&status) {
            Some(AgreementStatus::Pending) => (Party::Guardian, AgreementStatus::GuardianSigned, Step::GuardianSign),
            Some(AgreementStatus::GuardianSigned) => (Party::School, AgreementStatus::Effective, Step::Countersign),
            Some(_) => return Err(Invalid::new("agreement", "err-enrolment-step").into()),
            None => return Err(StoreError::Corrupt(format!("agreements.status = {status}"))),
        };
        // The rules of who signs: the domain's, whether this is a first enrolment or a change of terms.
        let state_for_rule = if step == Step::GuardianSign {
            EnrolmentState::Approved
        } else {
            EnrolmentState::Signed
        };
        next(state_for_rule, step, &t).map_err(refused)?;
        let typed = input.typed_name.trim();
        if typed.is_empty() || typed.chars().count() > 40 {
            return Err(Invalid::new("typed_name", "err-typed-name").into());
        }
        if side == Party::Guardian && typed != who.display_name.trim() {
            return Err(Invalid::new("typed_name", "err-typed-name").into());
        }
        sqlx::query("INSERT INTO signatures (id, agreement_id, side, user_id, typed_name, drawing, device, text_hash, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(AgreementId::new().to_string())
            .bind(aid.clone())
            .bind(side.as_str())
            .bind(who.id.to_string())
            .bind(typed.to_string())
            .bind(input.drawing.clone())
            .bind(input.device.chars().take(300).collect::<String>())
            .bind(hash.clone())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE agreements SET status = $2 WHERE id = $1")
            .bind(aid.clone())
            .bind(new_status.as_str())
            .execute(&mut *tx)
            .await?;
        if new_status == AgreementStatus::Effective {
            sqlx::query("UPDATE agreements SET status = 'SUPERSEDED' WHERE enrolment_id = $1 AND id <> $2 AND status = 'EFFECTIVE'")
                .bind(id.to_string())
                .bind(aid.clone())
                .execute(&mut *tx)
                .await?;
        }
        let to = match (e.state, step) {
            (EnrolmentState::Approved, Step::GuardianSign) | (EnrolmentState::Signed, Step::Countersign) => {
                let to = next(e.state, step, &t).map_err(refused)?;
                record_step(&mut tx, &e, step, to, who, "", at).await?;
                to
            }
            (EnrolmentState::Active, _) => {
                tx.audit(
                    Some(&e.school_id),
                    &Actor::User(who.id.clone()),
                    &format!("agreement.{}", step.as_str()),
                    &aid,
                    json!({ "hash": hash }),
                    at,
                )
                .await?;
                // A change of terms signed by the guardian waits for the school too.
                super::queue::notify_reviewers(tx.tx(), &e, step, at).await?;
                EnrolmentState::Active
            }
            _ => return Err(Invalid::new("step", "err-enrolment-step").into()),
        };
        tx.commit_audited().await?;
        Ok(to)
    }
}

/// Generates the next version of the child's agreement from the school's template, the
/// child's terms and pickup adults. Earlier unsigned versions are superseded.
pub(super) async fn make_agreement(tx: &mut Tx, e: &Enrolment, terms: &Terms, at: i64) -> Result<()> {
    let r = sqlx::query(
        "SELECT sc.name AS school, t.name AS term, s.name AS student, c.grade, c.number, u.display_name AS guardian FROM students s \
         JOIN classes c ON c.id = s.class_id JOIN schools sc ON sc.id = s.school_id JOIN terms t ON t.id = $2 JOIN users u ON u.id = $3 WHERE s.id = $1",
    )
    .bind(e.student_id.to_string())
    .bind(e.term_id.to_string())
    .bind(e.applicant_id.to_string())
    .fetch_one(&mut **tx)
    .await?;
    let grade = Grade::new(r.try_get::<i64, _>("grade")? as u32).map_err(|_| StoreError::Corrupt("classes.grade".into()))?;
    let class = class_name_zh(grade, r.try_get::<i64, _>("number")? as u8);
    let adults: Vec<(String, String)> = sqlx::query("SELECT name, relationship FROM pickup_adults WHERE student_id = $1 AND removed_at IS NULL AND level = 'ALWAYS' ORDER BY created_at")
        .bind(e.student_id.to_string())
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|a| Ok((a.try_get("name")?, a.try_get("relationship")?)))
        .collect::<Result<_>>()?;
    let ends: Vec<i64> = sqlx::query_scalar("SELECT minute FROM term_end_times WHERE term_id = $1 AND grade = $2 ORDER BY season DESC")
        .bind(e.term_id.to_string())
        .bind(grade.number() as i64)
        .fetch_all(&mut **tx)
        .await?;
    let times = match ends.as_slice() {
        [winter, summer] if winter != summer => format!(
            "{}（冬令）/ {}（夏令）",
            format_clock(from_minutes(*winter)),
            format_clock(from_minutes(*summer))
        ),
        [end, ..] => format_clock(from_minutes(*end)),
        [] => "18:00".to_string(),
    };
    let (template_version, template): (i64, String) =
        match sqlx::query("SELECT version, body FROM agreement_templates WHERE school_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(e.school_id.to_string())
            .fetch_optional(&mut **tx)
            .await?
        {
            Some(t) => (t.try_get("version")?, t.try_get("body")?),
            None => (0, DEFAULT_TEMPLATE.to_string()),
        };
    let (pickup, self_leave) = pickup_words(terms.pickup_plan, &adults);
    let (school, term, student, guardian): (String, String, String, String) = (
        r.try_get("school")?,
        r.try_get("term")?,
        r.try_get("student")?,
        r.try_get("guardian")?,
    );
    let text = render(
        &template,
        &AgreementFacts {
            school: &school,
            term: &term,
            student: &student,
            class: &class,
            guardian: &guardian,
            // The agreement is a Chinese document (its template is): the weekdays are written in
            // Chinese, from the catalog, whatever the reader's language.
            weekdays: &yanshi_i18n::Locale::ZhCn.weekdays(&terms.weekdays.numbers()),
            times: &times,
            latest_pickup: &format_clock(terms.latest_pickup),
            pickup: &pickup,
            self_leave: &self_leave,
            content: "自主阅读、作业答疑、文体活动、科技制作等看管与活动（不上新课）",
        },
    );
    let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM agreements WHERE enrolment_id = $1")
        .bind(e.id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query("UPDATE agreements SET status = 'SUPERSEDED' WHERE enrolment_id = $1 AND status IN ('PENDING', 'GUARDIAN_SIGNED')")
        .bind(e.id.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO agreements (id, enrolment_id, version, template_version, weekdays, latest_pickup, pickup_plan, text, text_hash, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PENDING', $10)",
    )
    .bind(AgreementId::new().to_string())
    .bind(e.id.to_string())
    .bind(version + 1)
    .bind(template_version)
    .bind(terms.weekdays.0 as i64)
    .bind(minutes(terms.latest_pickup))
    .bind(terms.pickup_plan.as_str())
    .bind(text.clone())
    .bind(text_hash(&text))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
