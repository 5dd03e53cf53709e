//! The day's record drafted live from the day's data: plan, roll call, hand-overs, late
//! pickups, incidents, and who worked how long.

use super::*;
use yanshi_domain::afternoon::{HandoverKind, RollStatus, Whereabouts};

/// The facts' counts from a class's children on the day.
fn count(children: &[ExpectedChild], end: OffsetDateTime) -> DayCounts {
    let mut c = DayCounts::default();
    for child in children {
        let roll = child.roll;
        c.on_leave += u32::from(child.on_leave);
        c.absent_from_school += u32::from(roll == Some(RollStatus::AbsentFromSchool));
        if let Some(h) = &child.handover {
            if h.kind == HandoverKind::SelfLeave {
                c.self_left += 1;
            } else {
                c.handed_over += 1;
            }
            c.left_early += u32::from(h.at < end);
            c.from_paper += u32::from(h.entered_later);
        }
        if !child.expected {
            continue;
        }
        // 迟接 only for children who were there (one later marked not at school was not).
        c.late_pickups += u32::from(child.late_step.is_some());
        c.expected += 1;
        c.present += u32::from(roll == Some(RollStatus::Present));
        c.absent += u32::from(roll == Some(RollStatus::Absent));
        c.in_care += u32::from(child.handover.is_none() && roll != Some(RollStatus::Absent));
        c.unresolved += u32::from(child.unaccounted.as_ref().is_some_and(|u| u.outcome.is_none()));
    }
    c
}

impl Store {
    /// The record's body drafted from the day's data: plan, roll call, hand-overs, late
    /// pickups, incidents, and who worked how long.
    pub async fn draft_facts(&self, class: &ClassInfo, day: Date) -> Result<RecordFacts> {
        let school = self.school(&class.school_id).await?;
        let zone = school.time_zone.as_str();
        let Some(term) = self.term_on(&class.school_id, day).await? else {
            return Err(Invalid::new("day", "err-record-no-service").into());
        };
        let cal = self.service_calendar(term).await?;
        let DayStatus::Service { start, end, .. } = cal.status(day, class.grade) else {
            return Err(Invalid::new("day", "err-record-no-service").into());
        };
        let weekday = day.weekday().number_from_monday();
        let plan = self
            .session_plans(&class.id, &cal.term.id)
            .await?
            .into_iter()
            .find(|p| p.weekday == weekday);
        let children = self.class_day_in(&class.id, Some(&cal.term), day).await?;
        let end_at = at(day, end, zone);
        let counts = count(&children, end_at);
        let last = children.iter().filter_map(|c| c.handover.as_ref().map(|h| h.at)).max();
        let (from, to) = (
            at(day, start, zone),
            at(day, session_end(start, last.map(|t| local(t, zone).time())), zone),
        );
        let minutes = minutes_between(local(from, zone).time(), local(to, zone).time());
        let mut staff: Vec<StaffLine> = Vec::new();
        let mut add = |id: &UserId, name: &str, role: WorkloadRole, from: OffsetDateTime, to: OffsetDateTime, minutes: u32| {
            if !staff.iter().any(|s| s.user_id == id.as_str()) {
                staff.push(StaffLine {
                    user_id: id.to_string(),
                    name: name.to_string(),
                    role: role.as_str().to_string(),
                    from: to_millis(from),
                    to: to_millis(to),
                    minutes,
                });
            }
        };
        let content = plan.as_ref().map(|p| p.content.clone());
        let role = WorkloadRole::for_content(content.as_deref().unwrap_or(""));
        // The session's teacher: whoever covers the class's care that day (代班), else the
        // plan's, else the class teacher.
        let cover = sqlx::query(
            "SELECT t.user_id, u.display_name FROM duty_turns t JOIN users u ON u.id = t.user_id \
             WHERE t.class_id = $1 AND t.day = $2 AND t.published = 1 AND t.source = 'COVER' ORDER BY t.created_at DESC",
        )
        .bind(class.id.to_string())
        .bind(day.to_string())
        .fetch_optional(self.pool())
        .await?
        .map(|r| Ok::<_, StoreError>((UserId::from_db(r.try_get("user_id")?), r.try_get::<String, _>("display_name")?)))
        .transpose()?;
        if let Some((id, name)) = cover.or_else(|| {
            plan.as_ref()
                .and_then(|p| p.teacher.clone())
                .or_else(|| class.class_teacher.clone())
        }) {
            add(&id, &name, role, from, to, minutes);
        }
        if let Some((id, name)) = plan.as_ref().and_then(|p| p.volunteer.clone()) {
            add(&id, &name, WorkloadRole::Volunteer, from, to, minutes);
        }
        // Whoever called the roll took care of the class too.
        let rows = sqlx::query(
            "SELECT DISTINCT r.marked_by, u.display_name FROM roll_calls r JOIN students s ON s.id = r.student_id JOIN users u ON u.id = r.marked_by \
             WHERE s.class_id = $1 AND r.day = $2 ORDER BY u.display_name",
        )
        .bind(class.id.to_string())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            add(
                &UserId::from_db(r.try_get("marked_by")?),
                &r.try_get::<String, _>("display_name")?,
                role,
                from,
                to,
                minutes,
            );
        }
        // Anyone else who released children after the end time was on duty until then.
        let rows = sqlx::query(
            "SELECT h.teacher_id, u.display_name, MAX(h.at) AS last_at FROM handovers h JOIN students s ON s.id = h.student_id JOIN users u ON u.id = h.teacher_id \
             WHERE s.class_id = $1 AND h.day = $2 GROUP BY h.teacher_id, u.display_name ORDER BY u.display_name",
        )
        .bind(class.id.to_string())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let last_at = from_millis(r.try_get("last_at")?);
            if last_at > end_at {
                let m = minutes_between(end, local(last_at, zone).time());
                add(
                    &UserId::from_db(r.try_get("teacher_id")?),
                    &r.try_get::<String, _>("display_name")?,
                    WorkloadRole::Duty,
                    end_at,
                    last_at,
                    m,
                );
            }
        }
        let clock = |t: OffsetDateTime| format_clock(local(t, zone).time());
        let incidents = self
            .incidents(&class.school_id, day)
            .await?
            .into_iter()
            .filter(|i| i.class.as_deref() == Some(class.name.as_str()))
            .map(|i| {
                format!(
                    "{} {}{}（{}）",
                    clock(i.at),
                    i.student.map(|s| format!("{s}：")).unwrap_or_default(),
                    i.description,
                    i.reporter
                )
            })
            .collect::<Vec<_>>();
        let mut counts = counts;
        counts.incidents = incidents.len() as u32;
        let late = children
            .iter()
            .filter(|c| c.expected && c.late_step.is_some())
            .map(|c| match &c.handover {
                Some(h) => {
                    // The record is written in Chinese (its template is): 本人 from the catalog.
                    let relationship = match h.kind {
                        HandoverKind::SelfLeave => yanshi_i18n::Locale::ZhCn.t("ui-relationship-self"),
                        HandoverKind::Pickup => &h.relationship,
                    };
                    format!("{} {} {}（{relationship}）", c.student.name, clock(h.at), h.adult_name)
                }
                None => c.student.name.clone(),
            })
            .collect();
        let absent = children
            .iter()
            .filter(|c| c.expected && c.roll == Some(RollStatus::Absent))
            .map(|c| {
                let outcome = c
                    .unaccounted
                    .as_ref()
                    .and_then(|u| u.outcome)
                    .map(Whereabouts::as_str)
                    .unwrap_or_default();
                format!("{} {outcome}", c.student.name).trim_end().to_string()
            })
            .collect();
        Ok(RecordFacts {
            class: class.name.clone(),
            classroom: class.classroom.clone(),
            day,
            start: format_clock(start),
            end: format_clock(end),
            content,
            content_note: plan.map(|p| p.note).unwrap_or_default(),
            staff,
            counts,
            incidents,
            late,
            absent,
        })
    }
}
