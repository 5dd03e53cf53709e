//! Accounts at the edge, as a browser uses them, on each backend: signing in (password,
//! two-factor, lockouts), signing out, cross-site posts, and where `next` may send you.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use time::Duration;
use yanshi_domain::clock::Clock;
use yanshi_domain::role::Role;
use yanshi_store::Backend;
use yanshi_store::testing::backends;

#[tokio::test]
async fn the_login_page_is_chinese_by_default_and_english_on_request() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let zh = app.get("/login", None).await;
        assert_eq!(zh.status, StatusCode::OK);
        assert!(
            zh.body.contains("<html lang=\"zh-CN\">") && zh.body.contains("用户名或手机号"),
            "{}",
            zh.body
        );
        let en = app
            .send(
                Request::get("/login")
                    .header("accept-language", "en-US,en;q=0.9")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(en.body.contains("Username or phone number"));
        // The switch sets a cookie that wins over Accept-Language.
        let switched = app.post_form("/lang", None, &[("lang", "zh-CN"), ("next", "/login")]).await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER);
        assert_eq!(switched.cookie("yanshi_lang").as_deref(), Some("zh-CN"));
        assert_eq!(switched.location(), "/login");
        let open = app
            .post_form("/lang", None, &[("lang", "en-US"), ("next", "https://evil.example/")])
            .await;
        assert_eq!(open.location(), "/home", "no open redirect");
        for h in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
        ] {
            assert!(zh.headers.contains_key(h), "{h}");
        }
        assert!(
            zh.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
    }
}

#[tokio::test]
async fn a_teacher_signs_in_with_password_and_reaches_their_home() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let r = app
            .post_form("/login", None, &[("login", "TEACHER"), ("password", PASSWORD), ("next", "/inbox")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/inbox");
        let cookie = r.cookie("yanshi_session").expect("session cookie");
        let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"),
            "{set}"
        );
        let home = app.get("/home", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(
            home.body.contains("class_teacher测试，您好") && home.body.contains("实验小学"),
            "{}",
            home.body
        );
        assert!(!home.body.contains("/admin/users"), "a class teacher has no staff-account menu");

        // A guardian signs in with the phone number, typed with full-width digits.
        let g = app
            .post_form("/login", None, &[("login", "１００００００００01"), ("password", PASSWORD)])
            .await;
        assert_eq!(g.status, StatusCode::SEE_OTHER);
        let home = app.get("/home", g.cookie("yanshi_session").as_deref()).await;
        assert!(home.body.contains("guardian测试，您好"));
    }
}

#[tokio::test]
async fn wrong_passwords_get_one_message_and_a_lockout_that_holds_across_instances() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let unknown = app.post_form("/login", None, &[("login", "nobody"), ("password", PASSWORD)]).await;
        let wrong = app
            .post_form("/login", None, &[("login", "teacher"), ("password", "not the password")])
            .await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("用户名/手机号或密码不正确"));
        assert!(unknown.body.contains("用户名/手机号或密码不正确"), "no hint which accounts exist");
        assert!(wrong.body.contains("value=\"teacher\""), "the login is kept in the form");
        for _ in 0..4 {
            app.post_form("/login", None, &[("login", "teacher"), ("password", "still wrong")])
                .await;
        }
        // A second instance on the same database sees the same count.
        let other = yanshi_web::app(app.state.clone());
        let resp = other.oneshot_form("/login", &[("login", "teacher"), ("password", PASSWORD)]).await;
        assert_eq!(resp.0, StatusCode::TOO_MANY_REQUESTS, "locked even with the right password");
        assert!(resp.1.contains("15 分钟"));
        app.clock.advance(Duration::minutes(16));
        let r = app.post_form("/login", None, &[("login", "teacher"), ("password", PASSWORD)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "the lock ends after the window");
    }
}

trait OneshotForm {
    async fn oneshot_form(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String);
}

impl OneshotForm for axum::Router {
    async fn oneshot_form(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        use tower::ServiceExt;
        let req = request(Method::POST, path, None, Some(serde_urlencoded::to_string(form).unwrap()));
        let resp = self.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

#[tokio::test]
async fn an_admin_needs_the_second_factor_and_a_code_works_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let r = app.post_form("/login", None, &[("login", "admin"), ("password", PASSWORD)]).await;
        assert_eq!(r.location(), "/login/two-factor");
        let half = r.cookie("yanshi_session").unwrap();
        let home = app.get("/home", Some(&half)).await;
        assert_eq!(
            (home.status, home.location()),
            (StatusCode::SEE_OTHER, "/login/two-factor"),
            "no page before the code"
        );
        let wrong = app.post_form("/login/two-factor", Some(&half), &[("code", "000000")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let code = current_code(app.clock.now());
        let ok = app.post_form("/login/two-factor", Some(&half), &[("code", &code)]).await;
        assert_eq!((ok.status, ok.location()), (StatusCode::SEE_OTHER, "/home"));
        let full = ok.cookie("yanshi_session").unwrap();
        assert_ne!(full, half, "a new session id after the second factor");
        assert_eq!(
            app.get("/home", Some(&half)).await.status,
            StatusCode::SEE_OTHER,
            "the half session is gone"
        );
        let home = app.get("/home", Some(&full)).await;
        assert!(home.body.contains("school_admin测试，您好"));

        // The same code cannot sign in a second time (seen over a shoulder).
        let r = app.post_form("/login", None, &[("login", "admin"), ("password", PASSWORD)]).await;
        let half2 = r.cookie("yanshi_session").unwrap();
        let replay = app.post_form("/login/two-factor", Some(&half2), &[("code", &code)]).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn an_admin_without_a_second_factor_must_set_one_up_first() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // A new school admin, created by the first one, has no TOTP yet.
        let admin = app.session(Role::SchoolAdmin).await;
        let created = app
            .post_form(
                "/admin/users",
                Some(&admin),
                &[
                    ("username", "vice"),
                    ("display_name", "副校长"),
                    ("role", "school_admin"),
                    ("password", "a long new password"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let r = app
            .post_form("/login", None, &[("login", "vice"), ("password", "a long new password")])
            .await;
        assert_eq!(r.location(), "/account/two-factor");
        let enrol = r.cookie("yanshi_session").unwrap();
        assert_eq!(app.get("/admin/users", Some(&enrol)).await.location(), "/account/two-factor");
        let page = app.get("/account/two-factor", Some(&enrol)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("<svg") && page.body.contains("otpauth://totp/"),
            "a QR code and a link"
        );
        let vice = app
            .store
            .user_by_login(&yanshi_domain::account::Login::parse("vice").unwrap())
            .await
            .unwrap()
            .unwrap();
        let vice_secret = app.store.credentials(&vice.id).await.unwrap().totp_secret.unwrap();
        let secret = yanshi_domain::totp::base32_decode(&vice_secret).unwrap();
        let again = app.get("/account/two-factor", Some(&enrol)).await;
        assert!(again.body.contains(&vice_secret[..4]), "a reload keeps the same secret");
        let code = yanshi_domain::totp::current_code(&secret, app.clock.now());
        let done = app.post_form("/account/two-factor", Some(&enrol), &[("code", &code)]).await;
        assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, "/home"));
        let full = done.cookie("yanshi_session").unwrap();
        assert_eq!(app.get("/admin/users", Some(&full)).await.status, StatusCode::OK);
        assert!(app.store.user(&vice.id).await.unwrap().totp_enabled);
    }
}

#[tokio::test]
async fn sign_out_and_disabling_end_sessions_at_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let teacher = app.session(Role::Teacher).await;
        assert_eq!(app.get("/home", Some(&teacher)).await.status, StatusCode::OK);
        let out = app.post_form("/logout", Some(&teacher), &[]).await;
        assert_eq!(out.location(), "/login");
        assert!(out.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
        let after = app.get("/home", Some(&teacher)).await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
        assert!(after.location().starts_with("/login?next="));

        let volunteer = app.session(Role::Volunteer).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let id = app.user(Role::Volunteer).id.to_string();
        let r = app.post_form(&format!("/admin/users/{id}/disable"), Some(&admin), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/home", Some(&volunteer)).await.status,
            StatusCode::SEE_OTHER,
            "the disabled account is out"
        );
        let relogin = app
            .post_form("/login", None, &[("login", "volunteer"), ("password", PASSWORD)])
            .await;
        assert_eq!(relogin.status, StatusCode::FORBIDDEN);
        assert!(
            relogin.body.contains("该账号已停用"),
            "the right password is told the account is disabled"
        );
        let me = app
            .post_form(
                &format!("/admin/users/{}/disable", app.user(Role::SchoolAdmin).id),
                Some(&admin),
                &[],
            )
            .await;
        assert_eq!(me.status, StatusCode::UNPROCESSABLE_ENTITY, "no disabling oneself");

        // Idle timeout.
        let s = app.session(Role::Teacher).await;
        app.clock.advance(Duration::hours(3));
        assert_eq!(app.get("/home", Some(&s)).await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let form = "username=evil&display_name=x&role=school_admin&password=a+long+new+password";
        for (site, origin) in [(Some("cross-site"), None), (None, Some("https://evil.example")), (None, None)] {
            let mut b = Request::post("/admin/users")
                .header("host", "yanshi.test")
                .header("cookie", format!("yanshi_session={admin}"))
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(s) = site {
                b = b.header("sec-fetch-site", s);
            }
            if let Some(o) = origin {
                b = b.header("origin", o);
            }
            let r = app.send(b.body(Body::from(form)).unwrap()).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert!(r.body.contains("不是从本系统页面发出的"), "{}", r.body);
        }
        // An older browser without Sec-Fetch-Site, from our own origin, is fine.
        let ok = Request::post("/admin/users")
            .header("host", "yanshi.test")
            .header("origin", "https://yanshi.test")
            .header("cookie", format!("yanshi_session={admin}"))
            .header("content-type", "application/x-www-form-urlencoded");
        assert_eq!(app.send(ok.body(Body::from(form)).unwrap()).await.status, StatusCode::OK);
        let users = app.store.users_of_school(Some(&app.school.id)).await.unwrap();
        assert_eq!(
            users.iter().filter(|u| u.username.as_deref() == Some("evil")).count(),
            1,
            "only the same-origin post created it"
        );
    }
}

#[tokio::test]
async fn next_with_a_tab_or_a_newline_stays_on_this_site() {
    let app = TestApp::new(Backend::Sqlite).await;
    // Browsers drop tabs and newlines from a URL: `/\t/evil.example` is `//evil.example`.
    for next in ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "/\\evil.example"] {
        let page = app.get(&format!("/login?next={next}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(hidden(&page.body, "next"), "/home", "{next}");
    }
    for next in ["/\t/evil.example", "/\r\nSet-Cookie: x=1", "\u{7f}/x"] {
        let lang = app.post_form("/lang", None, &[("lang", "en-US"), ("next", next)]).await;
        assert_eq!(lang.status, StatusCode::SEE_OTHER, "{next:?}: no 500");
        assert!(
            !lang.location().contains("evil") && !lang.location().contains('\n'),
            "{next:?} → {}",
            lang.location()
        );
        let login = app
            .post_form("/login", None, &[("login", "teacher"), ("password", PASSWORD), ("next", next)])
            .await;
        assert!(
            login.status == StatusCode::SEE_OTHER && !login.location().contains("evil"),
            "{next:?} → {}",
            login.location()
        );
    }
    let ok = app
        .post_form("/lang", None, &[("lang", "zh-CN"), ("next", "/students?school=1")])
        .await;
    assert_eq!(ok.location(), "/students?school=1", "a same-origin path is kept");
}
