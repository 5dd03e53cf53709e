//! 志愿服务时长证明 — the hours certificate on one A4 page: the school, the volunteer, what they
//! are to the school, the range, the total hours and the days, a signature line and the name of
//! the admin who issued it. Before it is issued the page is a preview with the button to sign
//! it off; once issued it reads from the frozen certificate.

use super::{kind_words, own_school, school_today};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{AppForm, IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::ids::{CertificateId, UserId};
use yanshi_domain::school_time::format_local;
use yanshi_domain::volunteer::{certificate_range, hours, served_days, total_minutes};
use yanshi_store::volunteers::Certificate;

#[derive(Template)]
#[template(path = "volunteer_certificate.html")]
pub(crate) struct CertificatePage {
    pub l: Layout,
    pub school: String,
    pub volunteer_id: String,
    pub name: String,
    pub kind: String,
    pub from: String,
    pub to: String,
    pub total: String,
    /// (day, hours)
    pub days: Vec<(String, String)>,
    /// (number, issuer, issued on) once issued.
    pub issued: Option<(i64, String, String)>,
    /// A school admin's preview: the issue button.
    pub can_issue: bool,
    pub back: String,
    pub error: Option<&'static str>,
}

impl CertificatePage {
    /// 兹证明 … 累计服务 … 小时。特此证明。
    pub fn text(&self) -> String {
        let args = yanshi_i18n::Args::new()
            .text("name", self.name.as_str())
            .text("kind", self.kind.as_str())
            .text("school", self.school.as_str())
            .text("from", self.from.as_str())
            .text("to", self.to.as_str())
            .text("hours", self.total.as_str());
        self.l.t.0.render("ui-volunteer-certificate-text", &args)
    }
}

/// The page of an issued certificate, for the admin or the volunteer.
pub(crate) async fn issued_page(state: &AppState, lang: Lang, me: &Me, c: Certificate, back: String) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let school = state.store.school(&c.school_id).await?;
    page(
        StatusCode::OK,
        CertificatePage {
            kind: kind_words(l.t, c.kind, &c.organisation),
            l,
            school: school.name,
            volunteer_id: c.user_id.to_string(),
            name: c.volunteer_name,
            from: c.from.to_string(),
            to: c.to.to_string(),
            total: hours(c.minutes),
            days: c.days.iter().map(|d| (d.day.to_string(), hours(d.minutes))).collect(),
            issued: Some((
                c.number,
                c.issuer_name,
                format_local(c.issued_at, &school.time_zone)[..10].to_string(),
            )),
            can_issue: false,
            back,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct RangeForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl RangeForm {
    fn range(&self) -> Result<(Date, Date), Invalid> {
        let from = parse_date(&self.from).ok_or(Invalid::new("from", "err-date"))?;
        let to = parse_date(&self.to).ok_or(Invalid::new("to", "err-date"))?;
        Ok((from, to))
    }
}

async fn preview(state: &AppState, lang: Lang, me: &Me, id: &UserId, f: &RangeForm, error: Option<&'static str>) -> AppResult<Response> {
    let school_id = own_school(me)?;
    let v = state.store.volunteer(&school_id, id).await?;
    let today = school_today(state, &school_id).await?;
    let back = format!("/school/volunteers/{id}");
    let (range, error) = match f.range().and_then(|(a, b)| certificate_range(a, b, today).map(|()| (a, b))) {
        Ok(r) => (Some(r), error),
        Err(i) => (None, error.or(Some(i.key))),
    };
    if let Some((from, to)) = range
        && error.is_none()
        && let Some(c) = state
            .store
            .volunteer_certificates(id)
            .await?
            .into_iter()
            .find(|c| c.from == from && c.to == to)
    {
        return issued_page(state, lang, me, c, back).await;
    }
    let days = match range {
        Some((from, to)) => served_days(
            state
                .store
                .volunteer_service(&school_id, id, from, to)
                .await?
                .iter()
                .map(|l| (l.day, l.minutes)),
        ),
        None => Vec::new(),
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    let school = state.store.school(&school_id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        CertificatePage {
            kind: kind_words(l.t, v.kind, &v.organisation),
            l,
            school: school.name,
            volunteer_id: id.to_string(),
            name: v.name,
            from: f.from.trim().to_string(),
            to: f.to.trim().to_string(),
            total: hours(total_minutes(&days)),
            days: days.iter().map(|d| (d.day.to_string(), hours(d.minutes))).collect(),
            issued: None,
            can_issue: range.is_some(),
            back,
            error,
        },
    )
}

/// The certificate for `?from=&to=`: the issued one for exactly that range, else a preview.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<UserId>,
    AppForm(f): AppForm<RangeForm>,
) -> AppResult<Response> {
    preview(&state, lang, &me, &id, &f, None).await
}

/// Signs it off: the school admin issues the certificate, which then prints as issued.
pub async fn issue(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<UserId>,
    AppForm(f): AppForm<RangeForm>,
) -> AppResult<Response> {
    let school = own_school(&me)?;
    state.store.volunteer(&school, &id).await?;
    let result = async {
        let (from, to) = f.range()?;
        Ok::<_, AppError>(
            state
                .store
                .issue_volunteer_certificate(&me.user, &id, from, to, state.clock.now())
                .await?,
        )
    }
    .await;
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/school/volunteer-certificates/{c}")).into_response()),
        Err(AppError::Invalid(i)) => preview(&state, lang, &me, &id, &f, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

/// An issued certificate of the school, to print again.
pub async fn issued(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<CertificateId>) -> AppResult<Response> {
    let school = own_school(&me)?;
    let c = state.store.volunteer_certificate(&id).await?;
    if c.school_id != school {
        return Err(AppError::NotFound);
    }
    let back = format!("/school/volunteers/{}", c.user_id);
    issued_page(&state, lang, &me, c, back).await
}
