//! The authorization matrix: every route the router has, for every role and for anonymous,
//! against the table below. A route missing from the table fails; so does any allow the
//! table does not grant, and any deny it does not expect.

use crate::common::*;
use axum::http::{Method, StatusCode};
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// Who may pass each route's guard. `ANON` = anyone, signed in or not; `SIGNED_IN` = every role.
const ANON: &[&str] = &[
    "anonymous",
    "district_admin",
    "school_admin",
    "grade_director",
    "class_teacher",
    "teacher",
    "volunteer",
    "guardian",
];
const SIGNED_IN: &[&str] = &[
    "district_admin",
    "school_admin",
    "grade_director",
    "class_teacher",
    "teacher",
    "volunteer",
    "guardian",
];
const ADMINS: &[&str] = &["district_admin", "school_admin"];
const NOBODY: &[&str] = &[];
/// Staff who see the school's calendar, classes and staff directory.
const SCHOOL_STAFF: &[&str] = &["district_admin", "school_admin", "grade_director", "class_teacher", "teacher"];
/// Those responsible for children: admins, and the test class's grade director and class teacher.
const RESPONSIBLE: &[&str] = &["district_admin", "school_admin", "grade_director", "class_teacher"];
/// Staff at the classroom door: roll call and hand-over.
const DOOR: &[&str] = &["school_admin", "grade_director", "class_teacher", "teacher"];
/// Those who may read and write a child's sensitive fields: not the district (P6).
const SENSITIVE: &[&str] = &["school_admin", "grade_director", "class_teacher"];
const GUARDIAN_AND_RESPONSIBLE: &[&str] = &["district_admin", "school_admin", "grade_director", "class_teacher", "guardian"];

const EXPECTED: &[(&str, &str, &[&str])] = &[
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

/// Did the request get past the route's guard? Denied = 401, 403, or the guard's redirect to sign in.
fn passed_guard(resp: &Resp) -> bool {
    let to_sign_in = resp.headers.contains_key(yanshi_web::routes::DENIED_HEADER);
    // A 403 that gives the store's reason ("not your class", err-*-not-yours) passed the
    // guard: the store looked at the child or class and said no. The guard says err-forbidden.
    let forbidden = resp.status == StatusCode::FORBIDDEN
        && [yanshi_web::i18n::Lang::ZhCn, yanshi_web::i18n::Lang::EnUs]
            .iter()
            .any(|l| resp.body.contains(l.t("err-forbidden")));
    !(resp.status == StatusCode::UNAUTHORIZED || forbidden || to_sign_in)
}

#[tokio::test]
async fn every_role_reaches_exactly_what_the_table_grants() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let mut who: Vec<(&str, Option<Role>)> = vec![("anonymous", None)];
        for role in Role::ALL {
            who.push((role.as_str(), Some(role)));
        }
        // The account `/admin/users/{id}/disable` acts on: not one of the roles asking.
        let target = app
            .store
            .create_user(
                &yanshi_store::Actor::Cli,
                yanshi_store::NewUser {
                    school_id: Some(app.school.id.clone()),
                    role: Role::Teacher,
                    username: Some(yanshi_domain::account::Username::parse("target").unwrap()),
                    phone: None,
                    display_name: yanshi_domain::account::DisplayName::parse("目标").unwrap(),
                    password_hash: HASH.clone(),
                },
                START,
            )
            .await
            .unwrap()
            .id
            .to_string();
        let mut wrong = Vec::new();
        let fixtures = school_fixtures(&app).await;
        for (method, path, allowed) in EXPECTED {
            let id = if path.starts_with("/admin/users/") {
                target.clone()
            } else if path.contains("/class/")
                || path.starts_with("/api/v1/classes/")
                || path.starts_with("/afternoon/")
                || path.starts_with("/school/classes/")
            {
                fixtures.class.clone()
            } else if path.starts_with("/enrol/") || path.starts_with("/survey/{") {
                fixtures.student.clone()
            } else if path.starts_with("/enrolments/") || path.starts_with("/api/v1/enrolments/") {
                fixtures.enrolment.clone()
            } else if path.starts_with("/students/") {
                fixtures.student.clone()
            } else if path.starts_with("/pickup-adults/") {
                fixtures.adult.clone()
            } else if path.starts_with("/school/staff/") {
                fixtures.staff.clone()
            } else {
                fixtures.override_id.clone()
            };
            // Removing the fixture's adult would change what later rows see: a removal names
            // an adult that is not there.
            let adult = if path.ends_with("/remove") {
                &fixtures.override_id
            } else {
                &fixtures.adult
            };
            let concrete = path
                .replace("{file}", "app.css")
                .replace("{id}", &id)
                .replace("{adult}", adult)
                // Ids that name nothing here: the guard decides before anything is looked up.
                .replace("{guardian}", &fixtures.override_id)
                .replace("{leave}", &fixtures.override_id)
                .replace("{step}", "class_approve");
            let concrete = if *path == "/survey/export.xlsx" {
                format!("{concrete}?class={}", fixtures.class)
            } else {
                concrete
            };
            let concrete = if *path == "/api/v1/calendar" {
                format!("{concrete}?date=2026-12-01&grade=3")
            } else {
                concrete
            };
            for (name, role) in &who {
                // A fresh session each time: some routes (sign-out) end the one they are given.
                let session = match role {
                    Some(r) => Some(app.session(*r).await),
                    None => None,
                };
                let m: Method = method.parse().unwrap();
                let body = (m != Method::GET).then(String::new);
                let resp = app.send(request(m, &concrete, session.as_deref(), body)).await;
                let passed = passed_guard(&resp);
                if passed != allowed.contains(name) {
                    wrong.push(format!("{method} {path} as {name}: {} {}", resp.status, resp.location()));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{backend:?}: the matrix differs from the table:\n{}",
            wrong.join("\n")
        );
    }
}

struct Fixtures {
    enrolment: String,
    class: String,
    student: String,
    adult: String,
    staff: String,
    override_id: String,
}

/// A class whose class teacher and grade director are the test's, with a child, a guardian,
/// a pickup adult with a photo, a staff record and a calendar change: every `{id}` a route takes.
async fn school_fixtures(app: &TestApp) -> Fixtures {
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

/// Past the guard, the data decides: another school's staff and another family reach nothing of
/// this child on the routes that show or change a child's guardians, custody limits and
/// enrolment — and a refused change changes nothing.
#[tokio::test]
async fn another_school_and_another_family_reach_nothing_of_this_child() {
    use yanshi_domain::account::{DisplayName, PhoneNumber, Username};
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let f = school_fixtures(&app).await;
        let (store, actor) = (&app.store, yanshi_store::Actor::Cli);
        let student_id = yanshi_domain::ids::StudentId::parse(&f.student).unwrap();
        store
            .add_guardian(
                app.user(Role::ClassTeacher),
                &student_id,
                DisplayName::parse("王强").unwrap(),
                "父亲",
                PhoneNumber::parse("13900001111").unwrap(),
                START,
            )
            .await
            .unwrap();
        let pending = store
            .guardians_of(&student_id)
            .await
            .unwrap()
            .into_iter()
            .find(|g| !g.confirmed)
            .unwrap();
        let other = store
            .create_school(&actor, "第二小学", "Asia/Shanghai", false, START)
            .await
            .unwrap();
        let mut outsiders = Vec::new();
        for (role, login) in [
            (Role::SchoolAdmin, "admin2"),
            (Role::ClassTeacher, "teacher2"),
            (Role::Guardian, "13700137999"),
        ] {
            let guardian = role == Role::Guardian;
            let school = if guardian { app.school.id.clone() } else { other.id.clone() };
            let new = yanshi_store::NewUser {
                school_id: Some(school),
                role,
                username: (!guardian).then(|| Username::parse(login).unwrap()),
                phone: guardian.then(|| PhoneNumber::parse(login).unwrap()),
                display_name: DisplayName::parse("外人").unwrap(),
                password_hash: HASH.clone(),
            };
            let u = store.create_user(&actor, new, START).await.unwrap();
            let session = store
                .start_session(&u, yanshi_store::SessionStage::Full, "test", START, app.state.config.session)
                .await
                .unwrap();
            outsiders.push((login, session));
        }
        let guardian = pending.guardian_id.to_string();
        type Probe<'a> = (Method, String, Vec<(&'a str, &'a str)>);
        let probes: Vec<Probe> = vec![
            (Method::GET, format!("/students/{}", f.student), vec![]),
            (
                Method::POST,
                format!("/students/{}/guardians/{guardian}/confirm", f.student),
                vec![],
            ),
            (
                Method::POST,
                format!("/students/{}/adults", f.student),
                vec![
                    ("name", "外人"),
                    ("relationship", "邻居"),
                    ("phone", "13600136009"),
                    ("adult", "yes"),
                    ("level", "ALWAYS"),
                ],
            ),
            (
                Method::POST,
                format!("/students/{}/leave", f.student),
                vec![("first_day", "2026-12-04"), ("kind", "SICK")],
            ),
            (Method::POST, format!("/enrolments/{}/steps/withdraw", f.enrolment), vec![]),
            (
                Method::POST,
                format!("/enrolments/{}/leave", f.enrolment),
                vec![("first_day", "2026-12-04"), ("kind", "SICK")],
            ),
            (Method::GET, format!("/enrolments/{}", f.enrolment), vec![]),
            (Method::GET, format!("/enrolments/{}/print", f.enrolment), vec![]),
            (Method::POST, format!("/students/class/{}/invitations", f.class), vec![]),
            (Method::GET, format!("/students/class/{}", f.class), vec![]),
            (Method::POST, format!("/enrol/{}", f.student), vec![("action", "submit")]),
        ];
        let mut reached = Vec::new();
        for (login, session) in &outsiders {
            for (method, path, form) in &probes {
                let body = serde_urlencoded::to_string(form).unwrap();
                let resp = app.send(request(method.clone(), path, Some(session), Some(body))).await;
                let refused = matches!(resp.status.as_u16(), 403 | 404 | 422);
                if !refused || resp.body.contains("王小明") {
                    reached.push(format!("{method} {path} as {login}: {}", resp.status));
                }
            }
        }
        // The afternoon over the API, with the outsiders' own bearer tokens.
        for login in ["admin2", "teacher2"] {
            let who = store
                .user_by_login(&yanshi_domain::account::Login::parse(login).unwrap())
                .await
                .unwrap()
                .unwrap();
            let token = store.create_api_token(&who, START, time::Duration::days(1)).await.unwrap().token;
            let body = serde_json::json!({ "student_id": f.student, "adult_id": f.adult, "request_id": format!("probe-{login}") });
            for (method, path, json) in [
                (Method::GET, format!("/api/v1/classes/{}/afternoon", f.class), None),
                (Method::POST, "/api/v1/handovers".to_string(), Some(body)),
            ] {
                let resp = app.send(api(method.clone(), &path, Some(&token), json)).await;
                if !matches!(resp.status.as_u16(), 403 | 404) || resp.body.contains("王小明") {
                    reached.push(format!("{method} {path} as {login}: {} {}", resp.status, resp.body));
                }
            }
        }
        assert!(
            reached.is_empty(),
            "{backend:?}: outsiders reached the child:\n{}",
            reached.join("\n")
        );
        let today = yanshi_domain::school_time::local(START, "Asia/Shanghai").date();
        assert!(
            store.handover_of(&student_id, today).await.unwrap().is_none(),
            "nobody was handed over"
        );
        assert!(
            !store.pickup_adults(&student_id).await.unwrap().iter().any(|a| a.name == "外人"),
            "no pickup adult was added"
        );
        assert!(
            store.leaves_of_student(&student_id).await.unwrap().is_empty(),
            "no leave was reported"
        );
        let still = store.guardians_of(&student_id).await.unwrap();
        assert!(
            still.iter().any(|g| g.guardian_id == pending.guardian_id && !g.confirmed),
            "nothing was confirmed"
        );
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
