//! A real app on a fresh database per test, driven in-process through the router.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use std::sync::{Arc, LazyLock};
use time::{OffsetDateTime, macros::datetime};
use tokio::sync::Notify;
use tower::ServiceExt;
use yanshi_domain::account::{DisplayName, NewPassword, PhoneNumber, Username};
use yanshi_domain::clock::ManualClock;
use yanshi_domain::role::Role;
use yanshi_store::testing::TestDatabase;
use yanshi_store::{Actor, Backend, NewUser, School, SessionStage, Store, User};
use yanshi_web::{AppState, WebConfig};

pub const PASSWORD: &str = "a quiet afternoon";
pub const START: OffsetDateTime = datetime!(2026-12-01 08:00 UTC);
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// One Argon2 hash for every test account: hashing is deliberately slow.
pub static HASH: LazyLock<String> = LazyLock::new(|| yanshi_domain::password::hash(&NewPassword::parse(PASSWORD).unwrap()));

pub struct TestApp {
    pub db: TestDatabase,
    pub store: Store,
    pub clock: ManualClock,
    pub state: AppState,
    pub router: Router,
    pub school: School,
    /// One account per role, all in `school` (the district admin in none).
    pub users: Vec<User>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of a cookie this response sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next()?.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn role_login(role: Role) -> &'static str {
    match role {
        Role::DistrictAdmin => "district",
        Role::SchoolAdmin => "admin",
        Role::GradeDirector => "grade3",
        Role::ClassTeacher => "teacher",
        Role::Teacher => "duty",
        Role::Volunteer => "volunteer",
        Role::Guardian => "10000000001",
    }
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        // A live-board stream sends the board once and ends, so a test can read it whole.
        let config = WebConfig {
            board_stream_for: std::time::Duration::ZERO,
            ..WebConfig::default()
        };
        Self::with_config(backend, config).await
    }

    pub async fn with_config(backend: Backend, config: WebConfig) -> TestApp {
        let db = TestDatabase::new(backend).await;
        let store = db.store().await;
        let clock = ManualClock::new(START);
        let school = store
            .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, START)
            .await
            .unwrap();
        let mut users = Vec::new();
        for role in Role::ALL {
            let login = role_login(role);
            let guardian = role == Role::Guardian;
            let new = NewUser {
                school_id: (!role.is_district_wide()).then(|| school.id.clone()),
                role,
                username: (!guardian).then(|| Username::parse(login).unwrap()),
                phone: guardian.then(|| PhoneNumber::parse(login).unwrap()),
                display_name: DisplayName::parse(&format!("{}测试", role.as_str())).unwrap(),
                password_hash: HASH.clone(),
            };
            let u = store.create_user(&Actor::Cli, new, START).await.unwrap();
            if role.requires_two_factor() {
                store.begin_totp_enrolment(&u.id, TOTP_SECRET).await.unwrap();
                store.enable_totp(&Actor::Cli, &u, 0, START).await.unwrap();
            }
            users.push(store.user(&u.id).await.unwrap());
        }
        let state = AppState::new(store.clone(), Arc::new(clock.clone()), config, Arc::new(Notify::new()));
        let router = yanshi_web::app(state.clone());
        TestApp {
            db,
            store,
            clock,
            state,
            router,
            school,
            users,
        }
    }

    pub fn clock_now(&self) -> OffsetDateTime {
        self.clock.now_utc()
    }

    pub fn user(&self, role: Role) -> &User {
        self.users.iter().find(|u| u.role == role).unwrap()
    }

    /// A fully signed-in browser session for a role (as after password and TOTP).
    pub async fn session(&self, role: Role) -> String {
        self.store
            .start_session(
                self.user(role),
                SessionStage::Full,
                "test",
                self.clock.now_utc(),
                self.state.config.session,
            )
            .await
            .unwrap()
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 4 * 1024 * 1024).await.unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        self.send(request(Method::GET, path, cookie, None)).await
    }

    /// A same-origin form post, as a browser sends it.
    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(request(Method::POST, path, cookie, Some(body))).await
    }
}

trait NowUtc {
    fn now_utc(&self) -> OffsetDateTime;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> OffsetDateTime {
        use yanshi_domain::clock::Clock;
        self.now()
    }
}

/// A request as a same-origin browser page would send it.
pub fn request(method: Method, path: &str, session: Option<&str>, form: Option<String>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "yanshi.test")
        .header("sec-fetch-site", "same-origin");
    if let Some(s) = session {
        b = b.header("cookie", format!("yanshi_session={s}"));
    }
    match form {
        Some(f) => b
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(f))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

/// A JSON API request, optionally with a bearer token.
pub fn api(method: Method, path: &str, token: Option<&str>, json: Option<serde_json::Value>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path).header("host", "yanshi.test");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    match json {
        Some(j) => b
            .header("content-type", "application/json")
            .body(Body::from(j.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

pub fn current_code(now: OffsetDateTime) -> String {
    yanshi_domain::totp::current_code(&yanshi_domain::totp::base32_decode(TOTP_SECRET).unwrap(), now)
}

/// A browser's multipart upload of one file (plus the hidden school field).
pub fn upload(path: &str, session: &str, school: &str, filename: &str, bytes: &[u8]) -> Request<Body> {
    let boundary = "----yanshi-test-boundary";
    let mut body = Vec::new();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"school\"\r\n\r\n{school}\r\n").as_bytes());
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("host", "yanshi.test")
        .header("sec-fetch-site", "same-origin")
        .header("cookie", format!("yanshi_session={session}"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap()
}

/// The value of a hidden input in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// 王小明 of 三年级一班, his mother 张丽 (138 0013 8000, the test guardian's record) and the
/// class teacher: the family most tests stand on, built as far as a test needs.
pub struct Family<'a> {
    app: &'a TestApp,
    number: &'static str,
    grade: u8,
    /// Whether the test guardian's account is linked to his mother's record.
    linked: bool,
    grade_director: bool,
    service_ends: Option<time::Time>,
    term: bool,
    applied: bool,
    active: bool,
    adults: Vec<(&'static str, &'static str, &'static str, yanshi_domain::family::PickupLevel, bool)>,
}

/// What [`Family::build`] made.
pub struct Built {
    pub class: yanshi_store::setup::ClassInfo,
    pub student: yanshi_store::people::Student,
    pub term: Option<yanshi_domain::ids::TermId>,
    pub enrolment: Option<yanshi_domain::ids::EnrolmentId>,
    /// The pickup adults, in the order they were added.
    pub adults: Vec<yanshi_domain::ids::PickupAdultId>,
}

impl TestApp {
    /// 王小明's family in this school; see [`Family`].
    pub fn family(&self) -> Family<'_> {
        Family {
            app: self,
            number: "20260301",
            grade: 3,
            linked: true,
            grade_director: false,
            service_ends: None,
            term: false,
            applied: false,
            active: false,
            adults: Vec::new(),
        }
    }
}

impl Family<'_> {
    /// His student number (学号).
    pub fn number(mut self, number: &'static str) -> Self {
        self.number = number;
        self
    }

    /// His grade: 一年级一班 with 1 (and then the class teacher is nobody's).
    pub fn grade(mut self, grade: u8) -> Self {
        self.grade = grade;
        self
    }

    /// His mother has no account yet (she signs up with an invitation).
    pub fn without_account(mut self) -> Self {
        self.linked = false;
        self
    }

    /// The test's grade director leads his grade.
    pub fn grade_director(mut self) -> Self {
        self.grade_director = true;
        self
    }

    /// The term 2026秋 (dismissal 16:10 for every grade).
    pub fn term(mut self) -> Self {
        self.term = true;
        self
    }

    /// … whose winter service ends at this time for every grade.
    pub fn service_ends(mut self, at: time::Time) -> Self {
        self.service_ends = Some(at);
        self.term()
    }

    /// The notice to parents published and read, and his mother's application submitted.
    pub fn applied(mut self) -> Self {
        self.applied = true;
        self.term()
    }

    /// … approved by the class teacher and the school, and signed by both sides: in care.
    pub fn active(mut self) -> Self {
        self.active = true;
        self.applied()
    }

    /// An adult who may (or, with NEVER, must not) take him home; `photo` gives them a face.
    pub fn adult(
        mut self,
        name: &'static str,
        relationship: &'static str,
        phone: &'static str,
        level: yanshi_domain::family::PickupLevel,
        photo: bool,
    ) -> Self {
        self.adults.push((name, relationship, phone, level, photo));
        self
    }

    pub async fn build(self) -> Built {
        use yanshi_domain::enrolment::{PickupPlan, Step, Terms, Weekdays};
        use yanshi_domain::family::{Gender, StudentNumber};
        use yanshi_domain::roster::{RosterGuardian, RosterStudent};
        use yanshi_domain::school::Grade;
        use yanshi_store::Actor;
        use yanshi_store::enrolment::{Application, Decision, SignatureInput};
        let app = self.app;
        let (store, school, actor) = (&app.store, &app.school.id, Actor::Cli);
        store.create_standard_classes(&actor, school, 1, START).await.unwrap();
        let class = store
            .classes(school)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.grade == self.grade)
            .unwrap();
        if self.grade == 3 {
            let teacher = &app.user(Role::ClassTeacher).id;
            store.set_class_teacher(&actor, &class.id, Some(teacher), START).await.unwrap();
        }
        if self.grade_director {
            let director = &app.user(Role::GradeDirector).id;
            store
                .set_grade_director(&actor, school, Grade::new(self.grade.into()).unwrap(), Some(director), START)
                .await
                .unwrap();
        }
        let row = RosterStudent {
            row: 2,
            number: StudentNumber::parse(self.number).unwrap(),
            name: "王小明".into(),
            gender: Gender::Male,
            birth_date: None,
            grade: Grade::new(self.grade.into()).unwrap(),
            class_number: 1,
            guardians: vec![RosterGuardian {
                name: "张丽".into(),
                relationship: "母亲".into(),
                phone: PhoneNumber::parse("13800138000").unwrap(),
            }],
            priority_groups: vec![],
            health_notes: String::new(),
        };
        store.import_students(&actor, school, &[row], "x", START).await.unwrap();
        let guardian = app.user(Role::Guardian);
        if self.linked {
            let mother = PhoneNumber::parse("13800138000").unwrap();
            store.link_guardian_account(school, &mother, &guardian.id).await.unwrap();
        }
        let student = store.students_of_class(&class.id).await.unwrap().remove(0).0;
        let mut adults = Vec::new();
        for (name, relationship, phone, level, photo) in self.adults {
            let adult = yanshi_store::people::NewPickupAdult {
                name: DisplayName::parse(name).unwrap(),
                relationship: relationship.into(),
                phone: PhoneNumber::parse(phone).unwrap(),
                id_last4: None,
                photo: photo.then(|| "data:image/png;base64,iVBORw0KGgo=".into()),
                adult_confirmed: true,
                level,
            };
            adults.push(store.add_pickup_adult(&actor, &student, adult, START).await.unwrap());
        }
        let mut built = Built {
            class,
            student,
            term: None,
            enrolment: None,
            adults,
        };
        if !self.term {
            return built;
        }
        let mut times = yanshi_domain::calendar::GradeTimes::default();
        for g in 1..=6 {
            times.dismissal.insert((g, 0), time::macros::time!(16:10));
            if let Some(end) = self.service_ends {
                times.end.insert((g, yanshi_domain::calendar::Season::Winter), end);
            }
        }
        let new_term = yanshi_store::terms::NewTerm {
            name: "2026秋".into(),
            starts_on: time::macros::date!(2026 - 09 - 01),
            ends_on: time::macros::date!(2027 - 01 - 24),
            first_service_day: None,
            last_service_day: None,
            times,
        };
        let term = store.create_term(&actor, school, new_term, START).await.unwrap().id;
        built.term = Some(term.clone());
        if !self.applied {
            return built;
        }
        let admin = app.user(Role::SchoolAdmin);
        store.publish_notice(admin, &term, "告家长书", START).await.unwrap();
        let notice = store.current_notice(&term).await.unwrap().unwrap().id;
        store.mark_notice_read(guardian, &notice, START).await.unwrap();
        let application = Application {
            terms: Terms {
                weekdays: Weekdays::ALL_SCHOOL_DAYS,
                latest_pickup: time::macros::time!(17:30),
                pickup_plan: PickupPlan::ByAdults,
            },
            health_disclosure: "无".into(),
            reason: "父母下班晚".into(),
            priority_group: None,
            consent_version: "2026-1".into(),
            notice_id: Some(notice),
        };
        let id = store
            .apply(guardian, &built.student.id, &term, &application, true, START)
            .await
            .unwrap();
        built.enrolment = Some(id.clone());
        if !self.active {
            return built;
        }
        let teacher = app.user(Role::ClassTeacher);
        store
            .enrolment_step(teacher, &id, Step::ClassApprove, Decision::default(), START)
            .await
            .unwrap();
        store
            .enrolment_step(admin, &id, Step::SchoolApprove, Decision::default(), START)
            .await
            .unwrap();
        let a = store.agreements(&id).await.unwrap().remove(0);
        for (who, name) in [(guardian, "guardian测试"), (admin, "李校长")] {
            let sig = SignatureInput {
                agreement: a.id.clone(),
                seen_hash: a.text_hash.clone(),
                typed_name: name.into(),
                statement_ticked: true,
                drawing: None,
                device: "t".into(),
            };
            store.sign_agreement(who, &id, &sig, START).await.unwrap();
        }
        built
    }
}
