//! 家长申请: the guardian's application form, with the notice read first and the separate
//! privacy consent.

use super::*;

#[derive(Template)]
#[template(path = "enrol_form.html")]
struct ApplyPage {
    l: Layout,
    student: Student,
    class: ClassInfo,
    term: Option<Term>,
    privacy_notice: &'static str,
    privacy_version: &'static str,
    days: Vec<(u8, &'static str, bool)>,
    latest_pickup: String,
    self_leave_allowed: bool,
    self_leave: bool,
    health: String,
    reason: String,
    groups: Vec<(&'static str, &'static str)>,
    end_time: String,
    notice: Option<yanshi_store::survey::ParentNotice>,
    error: Option<&'static str>,
}

async fn apply_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    student: Student,
    form: Option<&Pairs>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let class = state.store.class(&student.class_id).await?;
    let school = state.store.school(&student.school_id).await?;
    let term = enrolment_term(state, &school).await?;
    let notice = match &term {
        Some(t) => state.store.current_notice(&t.id).await?,
        None => None,
    };
    // Shown here in full: this is where the guardian reads it.
    if let Some(n) = &notice {
        state.store.mark_notice_read(&me.user, &n.id, state.clock.now()).await?;
    }
    let end = term
        .as_ref()
        .and_then(|t| t.times.end.iter().filter(|((g, _), _)| *g == class.grade).map(|(_, e)| *e).max());
    let chosen: Vec<u8> = form
        .map(|f| f.iter().filter(|(k, _)| k == "day").filter_map(|(_, v)| v.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 3, 4, 5]);
    let days = (1..=5u8)
        .map(|d| (d, crate::i18n::Tr(lang).weekday(d), chosen.contains(&d)))
        .collect();
    let get = |k: &str, default: &str| form.map(|f| field(f, k).to_string()).unwrap_or_else(|| default.to_string());
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        ApplyPage {
            l,
            self_leave_allowed: class.grade >= yanshi_domain::enrolment::DEFAULT_SELF_LEAVE_MIN_GRADE,
            self_leave: form.is_some_and(|f| field(f, "plan") == "SELF_LEAVE"),
            student,
            class,
            term,
            privacy_notice: PRIVACY_NOTICE,
            privacy_version: PRIVACY_NOTICE_VERSION,
            days,
            latest_pickup: get("latest_pickup", &end.map(format_clock).unwrap_or_else(|| "17:30".into())),
            health: get("health", ""),
            reason: get("reason", ""),
            groups: PriorityGroup::ALL.iter().map(|p| (p.as_str(), lang.t(p.key()))).collect(),
            end_time: end.map(format_clock).unwrap_or_default(),
            notice,
            error,
        },
    )
}

pub async fn apply_form(State(state): State<AppState>, lang: Lang, me: Me, IdPath(student): IdPath<StudentId>) -> AppResult<Response> {
    let student = own_child(&state, &me, &student).await?;
    apply_page(&state, lang, &me, student, None, None).await
}

pub async fn apply(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(student): IdPath<StudentId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let student = own_child(&state, &me, &student).await?;
    let school = state.store.school(&student.school_id).await?;
    let Some(term) = enrolment_term(&state, &school).await? else {
        return apply_page(&state, lang, &me, student, Some(&f), Some("err-no-term")).await;
    };
    let parsed = (|| {
        let days: Vec<u8> = f.iter().filter(|(k, _)| k == "day").filter_map(|(_, v)| v.parse().ok()).collect();
        let weekdays = Weekdays::from_numbers(&days)?;
        let latest_pickup = parse_clock(field(&f, "latest_pickup"))?;
        let pickup_plan = PickupPlan::parse(field(&f, "plan")).unwrap_or(PickupPlan::ByAdults);
        if field(&f, "notice_read") != "yes" {
            return Err(yanshi_domain::Invalid::new("notice", "err-notice-unread"));
        }
        if field(&f, "consent") != "yes" {
            return Err(yanshi_domain::Invalid::new("consent", "err-consent-required"));
        }
        Ok(Application {
            terms: Terms {
                weekdays,
                latest_pickup,
                pickup_plan,
            },
            health_disclosure: field(&f, "health").to_string(),
            reason: field(&f, "reason").to_string(),
            priority_group: PriorityGroup::parse(field(&f, "group")),
            consent_version: PRIVACY_NOTICE_VERSION.to_string(),
            notice_id: yanshi_domain::ids::NoticeId::parse(field(&f, "notice_id")),
        })
    })();
    let submit = field(&f, "action") == "submit";
    let result = match parsed {
        Ok(app) => state
            .store
            .apply(&me.user, &student.id, &term.id, &app, submit, state.clock.now())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/enrolments/{id}")).into_response()),
        Err(AppError::Invalid(i)) => apply_page(&state, lang, &me, student, Some(&f), Some(i.key)).await,
        Err(e) => Err(e),
    }
}
