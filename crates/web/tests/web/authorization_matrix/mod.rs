//! The authorization matrix: every route the router has, for every role and for anonymous,
//! against the table below. A route missing from the table fails; so does any allow the
//! table does not grant, and any deny it does not expect.

mod outsiders;
mod roles;

use crate::common::*;
use axum::http::{Method, StatusCode};
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// Who may pass each route's guard. `ANON` = anyone, signed in or not; `SIGNED_IN` = every role.
pub(super) const ANON: &[&str] = &[
    "anonymous",
    "district_admin",
    "school_admin",
    "grade_director",
    "class_teacher",
    "teacher",
    "volunteer",
    "guardian",
];

pub(super) const SIGNED_IN: &[&str] = &[
    "district_admin",
    "school_admin",
    "grade_director",
    "class_teacher",
    "teacher",
    "volunteer",
    "guardian",
];

pub(super) const ADMINS: &[&str] = &["district_admin", "school_admin"];

pub(super) const NOBODY: &[&str] = &[];

/// Staff who see the school's calendar, classes and staff directory.
pub(super) const SCHOOL_STAFF: &[&str] = &["district_admin", "school_admin", "grade_director", "class_teacher", "teacher"];

/// Those responsible for children: admins, and the test class's grade director and class teacher.
pub(super) const RESPONSIBLE: &[&str] = &["district_admin", "school_admin", "grade_director", "class_teacher"];

/// Staff at the classroom door: roll call and hand-over.
pub(super) const DOOR: &[&str] = &["school_admin", "grade_director", "class_teacher", "teacher"];

/// Those who may read and write a child's sensitive fields: not the district (P6).
pub(super) const SENSITIVE: &[&str] = &["school_admin", "grade_director", "class_teacher"];

/// Staff who take duty (值班): see their turns, swap, report an absence, sign the duty log.
pub(super) const TAKE_DUTY: &[&str] = &["school_admin", "grade_director", "class_teacher", "teacher"];

/// 绩效工资: the school's own leaders, not the district, never a family.
pub(super) const PAY_LEADERS: &[&str] = &["school_admin"];

/// The school's leaders, who manage duty: set up, generate, edit and publish the roster,
/// approve swaps, arrange cover, read the duty log.
pub(super) const DUTY_LEADERS: &[&str] = &["school_admin"];

pub(super) const GUARDIAN_AND_RESPONSIBLE: &[&str] = &["district_admin", "school_admin", "grade_director", "class_teacher", "guardian"];

/// 值班: staff who take duty (the door's staff).
pub(super) const DUTY_STAFF: &[&str] = TAKE_DUTY;

pub(super) const EXPECTED: &[(&str, &str, &[&str])] = &[
    ("GET", "/duty", DUTY_STAFF),
    ("GET", "/duty/print", DUTY_STAFF),
    ("GET", "/duty/export.xlsx", DUTY_STAFF),
    ("POST", "/duty/generate", DUTY_LEADERS),
    ("POST", "/duty/publish", DUTY_LEADERS),
    ("POST", "/duty/turns", DUTY_LEADERS),
    ("POST", "/duty/turns/{id}/remove", DUTY_LEADERS),
    ("GET", "/duty/setup", DUTY_LEADERS),
    ("POST", "/duty/settings", DUTY_LEADERS),
    ("POST", "/duty/posts", DUTY_LEADERS),
    ("POST", "/duty/posts/{id}", DUTY_LEADERS),
    ("POST", "/duty/limits/{id}", DUTY_LEADERS),
    ("GET", "/duty/unavailable", DUTY_STAFF),
    ("POST", "/duty/unavailable", DUTY_STAFF),
    ("POST", "/duty/unavailable/{id}/withdraw", DUTY_STAFF),
    ("GET", "/api/v1/duty/roster", DUTY_STAFF),
    ("GET", "/api/v1/duty/mine", DUTY_STAFF),
    ("POST", "/api/v1/duty/generate", DUTY_LEADERS),
    ("POST", "/api/v1/duty/publish", DUTY_LEADERS),
    ("GET", "/api/v1/duty/posts", DUTY_STAFF),
    ("POST", "/api/v1/duty/posts", DUTY_LEADERS),
    ("POST", "/api/v1/duty/unavailable", DUTY_STAFF),
    ("GET", "/healthz", ANON),
    ("GET", "/metrics", ANON),
    ("GET", "/static/{file}", ANON),
    ("GET", "/", ANON),
    ("GET", "/login", ANON),
    ("POST", "/login", ANON),
    // Only a session half-way through sign-in (password right, code to come).
    ("GET", "/login/two-factor", NOBODY),
    ("POST", "/login/two-factor", NOBODY),
    ("POST", "/logout", ANON),
    ("POST", "/lang", ANON),
    ("GET", "/register", ANON),
    ("POST", "/register", ANON),
    ("GET", "/home", SIGNED_IN),
    ("GET", "/inbox", SIGNED_IN),
    ("GET", "/account", SIGNED_IN),
    ("POST", "/account/password", SIGNED_IN),
    ("GET", "/account/two-factor", SIGNED_IN),
    ("POST", "/account/two-factor", SIGNED_IN),
    ("GET", "/admin/users", ADMINS),
    ("POST", "/admin/users", ADMINS),
    ("POST", "/admin/users/{id}/disable", ADMINS),
    ("POST", "/admin/users/{id}/enable", ADMINS),
    (
        "GET",
        "/admin/invitations",
        &["district_admin", "school_admin", "grade_director", "class_teacher"],
    ),
    (
        "POST",
        "/admin/invitations",
        &["district_admin", "school_admin", "grade_director", "class_teacher"],
    ),
    ("GET", "/admin/channels", ADMINS),
    ("POST", "/admin/channels", ADMINS),
    ("POST", "/admin/channels/test", ADMINS),
    ("GET", "/admin/audit", ADMINS),
    ("GET", "/school", ADMINS),
    ("POST", "/school", ADMINS),
    ("GET", "/school/terms", ADMINS),
    ("POST", "/school/terms", ADMINS),
    ("GET", "/school/calendar", SCHOOL_STAFF),
    ("POST", "/school/calendar/overrides", ADMINS),
    ("POST", "/school/calendar/overrides/{id}/delete", ADMINS),
    ("GET", "/school/classes", SCHOOL_STAFF),
    ("POST", "/school/classes", ADMINS),
    ("POST", "/school/classes/standard", ADMINS),
    ("POST", "/school/classes/{id}/teacher", ADMINS),
    ("POST", "/school/grade-directors", ADMINS),
    ("POST", "/school/places", ADMINS),
    ("GET", "/school/staff", SCHOOL_STAFF),
    ("POST", "/school/staff", ADMINS),
    ("POST", "/school/staff/{id}/deactivate", ADMINS),
    ("POST", "/school/staff/{id}/enable", ADMINS),
    ("POST", "/school/staff/{id}/link", ADMINS),
    ("GET", "/school/staff/import", ADMINS),
    ("POST", "/school/staff/import", ADMINS),
    ("POST", "/school/staff/import/confirm", ADMINS),
    ("GET", "/school/staff/template.xlsx", ADMINS),
    ("GET", "/students", RESPONSIBLE),
    ("GET", "/students/class/{id}", RESPONSIBLE),
    ("POST", "/students/class/{id}/invitations", RESPONSIBLE),
    ("GET", "/students/{id}", RESPONSIBLE),
    ("POST", "/students/{id}/guardians", RESPONSIBLE),
    ("POST", "/students/{id}/guardians/{guardian}/confirm", RESPONSIBLE),
    ("POST", "/students/{id}/guardians/{guardian}/reject", RESPONSIBLE),
    ("POST", "/students/{id}/adults", RESPONSIBLE),
    ("POST", "/students/{id}/adults/{adult}/remove", RESPONSIBLE),
    ("POST", "/students/{id}/sensitive", SENSITIVE),
    ("POST", "/students/{id}/leave", RESPONSIBLE),
    ("POST", "/students/{id}/leave/{leave}/confirm", RESPONSIBLE),
    ("POST", "/students/{id}/leave/{leave}/cancel", RESPONSIBLE),
    ("GET", "/pickup-adults/{id}/photo", RESPONSIBLE),
    ("GET", "/students/import", ADMINS),
    ("POST", "/students/import", ADMINS),
    ("POST", "/students/import/confirm", ADMINS),
    ("GET", "/students/template.xlsx", ADMINS),
    ("GET", "/students/export.xlsx", ADMINS),
    // The fixture child's guardian is the test guardian; the handlers refuse everyone else's children.
    ("GET", "/enrol/{id}", &["guardian"]),
    ("POST", "/enrol/{id}", &["guardian"]),
    ("GET", "/enrolments/{id}", GUARDIAN_AND_RESPONSIBLE),
    ("POST", "/enrolments/{id}/steps/{step}", GUARDIAN_AND_RESPONSIBLE),
    ("POST", "/enrolments/{id}/signature", GUARDIAN_AND_RESPONSIBLE),
    // Staff add adults on the child's page; here only the child's guardian.
    ("POST", "/enrolments/{id}/adults", &["guardian"]),
    ("POST", "/enrolments/{id}/terms", GUARDIAN_AND_RESPONSIBLE),
    ("POST", "/enrolments/{id}/leave", GUARDIAN_AND_RESPONSIBLE),
    ("POST", "/enrolments/{id}/leave/{leave}/cancel", GUARDIAN_AND_RESPONSIBLE),
    ("GET", "/enrolments/{id}/print", GUARDIAN_AND_RESPONSIBLE),
    ("GET", "/enrolment", RESPONSIBLE),
    ("GET", "/enrolment/published", RESPONSIBLE),
    ("POST", "/enrolment/approve", RESPONSIBLE),
    ("GET", "/school/notice", ADMINS),
    ("POST", "/school/notice", ADMINS),
    ("POST", "/school/notice/template", ADMINS),
    // A guardian is sent on to their child's survey; staff to the class overview.
    ("GET", "/survey", SIGNED_IN),
    ("GET", "/survey/classes", RESPONSIBLE),
    ("GET", "/survey/export.xlsx", RESPONSIBLE),
    ("GET", "/survey/{id}", GUARDIAN_AND_RESPONSIBLE),
    ("POST", "/survey/{id}", GUARDIAN_AND_RESPONSIBLE),
    ("GET", "/afternoon", DOOR),
    ("POST", "/afternoon/weather", DOOR),
    ("GET", "/afternoon/board", DOOR),
    ("GET", "/afternoon/board/events", DOOR),
    ("GET", "/afternoon/class/{id}", DOOR),
    ("GET", "/afternoon/class/{id}/sheet", DOOR),
    ("GET", "/afternoon/class/{id}/plan", DOOR),
    ("POST", "/afternoon/class/{id}/plan", DOOR),
    ("GET", "/afternoon/class/{id}/record", DOOR),
    ("POST", "/afternoon/class/{id}/record/notes", DOOR),
    ("POST", "/afternoon/class/{id}/record/signature", DOOR),
    ("POST", "/afternoon/class/{id}/record/corrections", DOOR),
    ("POST", "/afternoon/class/{id}/record/check", DOOR),
    ("GET", "/afternoon/workload", DOOR),
    ("GET", "/afternoon/absences", DOOR),
    ("POST", "/afternoon/absences", DOOR),
    ("POST", "/afternoon/class/{id}/roll", DOOR),
    ("POST", "/afternoon/class/{id}/roll/undo", DOOR),
    ("POST", "/afternoon/class/{id}/roll/rest", DOOR),
    ("POST", "/afternoon/class/{id}/whereabouts", DOOR),
    ("POST", "/afternoon/class/{id}/decision", DOOR),
    ("POST", "/afternoon/class/{id}/handover", DOOR),
    // The child's guardian, or staff who release children (not volunteers, not the district).
    (
        "POST",
        "/students/{id}/pickup-code/{adult}",
        &["school_admin", "grade_director", "class_teacher", "teacher", "guardian"],
    ),
    ("GET", "/district", &["district_admin"]),
    ("POST", "/district/schools", &["district_admin"]),
    ("GET", "/api/v1/openapi.json", ANON),
    ("GET", "/api/v1/docs", ANON),
    ("POST", "/api/v1/tokens", ANON),
    ("DELETE", "/api/v1/tokens/current", SIGNED_IN),
    ("GET", "/api/v1/me", SIGNED_IN),
    ("GET", "/api/v1/inbox", SIGNED_IN),
    ("GET", "/api/v1/schools", &["district_admin"]),
    ("POST", "/api/v1/schools", &["district_admin"]),
    ("GET", "/api/v1/users", ADMINS),
    ("POST", "/api/v1/users", ADMINS),
    (
        "POST",
        "/api/v1/invitations",
        &["district_admin", "school_admin", "grade_director", "class_teacher"],
    ),
    ("GET", "/api/v1/audit", ADMINS),
    ("GET", "/api/v1/school", SCHOOL_STAFF),
    ("GET", "/api/v1/classes", SCHOOL_STAFF),
    ("GET", "/api/v1/calendar", SCHOOL_STAFF),
    ("GET", "/api/v1/classes/{id}/students", RESPONSIBLE),
    ("POST", "/api/v1/students/import", ADMINS),
    ("GET", "/api/v1/my/children", SIGNED_IN),
    ("GET", "/api/v1/my/notice", SIGNED_IN),
    ("GET", "/api/v1/enrolments", GUARDIAN_AND_RESPONSIBLE),
    // The body is read before the rules: an empty request passes the guard and is refused as malformed.
    ("POST", "/api/v1/enrolments", SIGNED_IN),
    ("GET", "/api/v1/enrolments/{id}", GUARDIAN_AND_RESPONSIBLE),
    ("POST", "/api/v1/enrolments/{id}/steps", SIGNED_IN),
    ("POST", "/api/v1/enrolments/{id}/signatures", SIGNED_IN),
    ("GET", "/api/v1/classes/{id}/afternoon", DOOR),
    ("POST", "/api/v1/classes/{id}/roll", DOOR),
    ("POST", "/api/v1/classes/{id}/whereabouts", DOOR),
    ("POST", "/api/v1/handovers", DOOR),
    ("GET", "/api/v1/board", DOOR),
    ("POST", "/api/v1/absences", DOOR),
    ("GET", "/api/v1/classes/{id}/record", DOOR),
    ("POST", "/api/v1/classes/{id}/record/signature", DOOR),
    // 绩效工资: leaders review; staff read their own lines.
    ("GET", "/school/pay", PAY_LEADERS),
    ("POST", "/school/pay/rates", PAY_LEADERS),
    ("POST", "/school/pay/periods", PAY_LEADERS),
    ("GET", "/school/pay/summary", PAY_LEADERS),
    ("GET", "/school/pay/{id}", PAY_LEADERS),
    ("POST", "/school/pay/{id}/corrections", PAY_LEADERS),
    ("POST", "/school/pay/{id}/lock", PAY_LEADERS),
    ("GET", "/school/pay/{id}/print", PAY_LEADERS),
    ("GET", "/school/pay/{id}/report.xlsx", PAY_LEADERS),
    ("GET", "/api/v1/pay/periods", PAY_LEADERS),
    ("GET", "/api/v1/pay/periods/{id}", PAY_LEADERS),
    ("POST", "/api/v1/pay/periods/{id}/corrections", PAY_LEADERS),
    ("POST", "/api/v1/pay/periods/{id}/lock", PAY_LEADERS),
    ("GET", "/api/v1/pay/summary", PAY_LEADERS),
    ("GET", "/api/v1/my/pay", DOOR),
    // 志愿者: the school's own admins (not the district); the volunteer's own page.
    ("GET", "/school/volunteers", &["school_admin"]),
    ("POST", "/school/volunteers", &["school_admin"]),
    ("POST", "/school/volunteer-settings", &["school_admin"]),
    ("GET", "/school/volunteers/{id}", &["school_admin"]),
    ("POST", "/school/volunteers/{id}/checks", &["school_admin"]),
    ("GET", "/school/volunteers/{id}/certificate", &["school_admin"]),
    ("POST", "/school/volunteers/{id}/certificate", &["school_admin"]),
    ("GET", "/school/volunteer-certificates/{id}", &["school_admin"]),
    ("GET", "/volunteer", &["volunteer"]),
    ("GET", "/volunteer/certificates/{id}", &["volunteer"]),
    ("GET", "/api/v1/school/volunteers", &["school_admin"]),
    ("POST", "/api/v1/school/volunteers", &["school_admin"]),
    ("GET", "/api/v1/school/volunteers/{id}", &["school_admin"]),
    ("POST", "/api/v1/school/volunteers/{id}/checks", &["school_admin"]),
    ("POST", "/api/v1/school/volunteers/{id}/certificates", &["school_admin"]),
    ("POST", "/api/v1/school/volunteer-settings", &["school_admin"]),
    ("GET", "/api/v1/volunteer/me", &["volunteer"]),
    // 换班, 请假 and 代班, 值班记录: staff who take duty; approving and arranging cover, leaders.
    ("GET", "/duty/swaps", TAKE_DUTY),
    ("POST", "/duty/swaps", TAKE_DUTY),
    ("POST", "/duty/swaps/{id}/accept", TAKE_DUTY),
    ("POST", "/duty/swaps/{id}/decline", TAKE_DUTY),
    ("POST", "/duty/swaps/{id}/withdraw", TAKE_DUTY),
    ("POST", "/duty/swaps/{id}/approve", DUTY_LEADERS),
    ("POST", "/duty/swaps/{id}/reject", DUTY_LEADERS),
    ("GET", "/duty/absence", TAKE_DUTY),
    ("POST", "/duty/absences", TAKE_DUTY),
    ("POST", "/duty/absences/{id}/withdraw", TAKE_DUTY),
    ("POST", "/duty/absences/{id}/cover", DUTY_LEADERS),
    ("GET", "/duty/log", TAKE_DUTY),
    ("POST", "/duty/log", TAKE_DUTY),
    ("GET", "/api/v1/duty/swaps", TAKE_DUTY),
    ("POST", "/api/v1/duty/swaps", TAKE_DUTY),
    ("POST", "/api/v1/duty/swaps/{id}/accept", TAKE_DUTY),
    ("POST", "/api/v1/duty/swaps/{id}/decline", TAKE_DUTY),
    ("POST", "/api/v1/duty/swaps/{id}/withdraw", TAKE_DUTY),
    ("POST", "/api/v1/duty/swaps/{id}/approve", DUTY_LEADERS),
    ("POST", "/api/v1/duty/swaps/{id}/reject", DUTY_LEADERS),
    ("GET", "/api/v1/duty/absences", TAKE_DUTY),
    ("POST", "/api/v1/duty/absences", TAKE_DUTY),
    ("POST", "/api/v1/duty/absences/{id}/withdraw", TAKE_DUTY),
    ("POST", "/api/v1/duty/absences/{id}/cover", DUTY_LEADERS),
    ("GET", "/api/v1/duty/gaps", DUTY_LEADERS),
    ("GET", "/api/v1/duty/log", DUTY_LEADERS),
    ("POST", "/api/v1/duty/log", TAKE_DUTY),
];

#[test]
fn every_route_is_in_the_table_and_every_table_row_is_a_route() {
    let mut routes: Vec<(String, String)> = yanshi_web::routes::all()
        .infos()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let mut table: Vec<(String, String)> = EXPECTED.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    routes.sort();
    table.sort();
    let missing: Vec<_> = routes.iter().filter(|r| !table.contains(r)).collect();
    let stale: Vec<_> = table.iter().filter(|r| !routes.contains(r)).collect();
    assert!(missing.is_empty(), "routes without a row in the authorization table: {missing:?}");
    assert!(stale.is_empty(), "table rows without a route: {stale:?}");
}

pub(super) struct Fixtures {
    pub(super) enrolment: String,
    pub(super) class: String,
    pub(super) student: String,
    pub(super) adult: String,
    pub(super) staff: String,
    pub(super) override_id: String,
}

/// A class whose class teacher and grade director are the test's, with a child, a guardian,
/// a pickup adult with a photo, a staff record and a calendar change: every `{id}` a route takes.
pub(super) async fn school_fixtures(app: &TestApp) -> Fixtures {
    use yanshi_domain::account::DisplayName;
    use yanshi_domain::family::PickupLevel;
    let f = app
        .family()
        .grade_director()
        .adult("王奶奶", "奶奶", "13600136000", PickupLevel::Always, true)
        .applied()
        .build()
        .await;
    let (store, school) = (&app.store, &app.school.id);
    let actor = yanshi_store::Actor::Cli;
    let staff = store
        .create_staff(
            &actor,
            school,
            yanshi_store::people::NewStaff {
                staff_number: "T1".into(),
                name: DisplayName::parse("王芳").unwrap(),
                phone: None,
                title: String::new(),
            },
            START,
        )
        .await
        .unwrap();
    let o = yanshi_domain::calendar::SchoolOverride {
        date: time::macros::date!(2026 - 12 - 02),
        kind: yanshi_domain::calendar::OverrideKind::Closed,
        grade: None,
        reason: "运动会".into(),
    };
    let override_id = store.add_calendar_override(&actor, school, &o, START).await.unwrap();
    Fixtures {
        enrolment: f.enrolment.unwrap().to_string(),
        class: f.class.id.to_string(),
        student: f.student.id.to_string(),
        adult: f.adults[0].to_string(),
        staff: staff.id.to_string(),
        override_id: override_id.to_string(),
    }
}

/// An id in a path that is not an id names nothing: 404, as for an id that names nothing —
/// never a 400 or a 500 — on every route that takes one, asked by someone the route admits.
#[tokio::test]
async fn a_malformed_id_in_any_path_is_not_found() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let page = app.get("/students/not-a-uuid", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
        assert!(page.body.contains("找不到该页面"), "{}", page.body);
        let token = app
            .store
            .create_api_token(app.user(Role::SchoolAdmin), app.clock_now(), time::Duration::days(1))
            .await
            .unwrap()
            .token;
        let api = app
            .send(api(Method::GET, "/api/v1/classes/not-a-uuid/students", Some(&token), None))
            .await;
        assert_eq!(api.status, StatusCode::NOT_FOUND, "{}", api.body);
        assert_eq!(api.json()["error"]["code"], "not_found");

        let mut wrong = Vec::new();
        for (method, path, allowed) in EXPECTED {
            if !(path.contains("{id}") || path.contains("{adult}")) {
                continue;
            }
            let role = Role::ALL.into_iter().find(|r| allowed.contains(&r.as_str())).unwrap();
            let concrete = path
                .replace("{id}", "not-a-uuid")
                .replace("{adult}", "not-an-adult")
                .replace("{guardian}", "not-a-guardian")
                .replace("{leave}", "not-a-leave")
                .replace("{step}", "class_approve");
            let m: Method = method.parse().unwrap();
            let body = (m != Method::GET).then(String::new);
            let session = app.session(role).await;
            let resp = app.send(request(m, &concrete, Some(&session), body)).await;
            if resp.status != StatusCode::NOT_FOUND {
                wrong.push(format!("{method} {concrete} as {}: {}", role.as_str(), resp.status));
            }
        }
        assert!(wrong.is_empty(), "{backend:?}:\n{}", wrong.join("\n"));
    }
}
