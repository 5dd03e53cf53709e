//! What every page shares: language, the demo banner, the signed-in person and the menu.

use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use yanshi_domain::policy::Principal;
use yanshi_domain::role::Role;
use yanshi_store::User;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
}

pub struct Layout {
    pub t: Tr,
    pub lang: &'static str,
    pub demo: bool,
    pub user_name: Option<String>,
    pub role_label: &'static str,
    pub unread: i64,
    pub nav: Vec<NavItem>,
    /// Who is signed in, as the policy sees them (none on sign-in and error pages).
    pub principal: Option<Principal>,
}

/// The message key of a role's name.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::DistrictAdmin => "ui-role-district-admin",
        Role::SchoolAdmin => "ui-role-school-admin",
        Role::GradeDirector => "ui-role-grade-director",
        Role::ClassTeacher => "ui-role-class-teacher",
        Role::Teacher => "ui-role-teacher",
        Role::Volunteer => "ui-role-volunteer",
        Role::Guardian => "ui-role-guardian",
    }
}

impl Layout {
    /// For pages without a signed-in person (sign-in, errors).
    pub fn bare(lang: Lang, demo: bool) -> Self {
        Self {
            t: Tr(lang),
            lang: lang.code(),
            demo,
            user_name: None,
            role_label: "",
            unread: 0,
            nav: Vec::new(),
            principal: None,
        }
    }

    /// Whether the signed-in person may open `path`: templates show a link only then.
    pub fn may_open(&self, path: &str) -> bool {
        self.principal.as_ref().is_some_and(|p| crate::routes::may_open(p, path))
    }

    pub async fn for_user(state: &AppState, lang: Lang, user: &User) -> Self {
        let t = Tr(lang);
        let p = Principal {
            user_id: user.id.clone(),
            role: user.role,
            school_id: user.school_id.clone(),
        };
        let mut nav = vec![NavItem {
            href: "/home",
            label: t.get("ui-nav-home"),
        }];
        // Shown by the route table's own access (the guard's check), so no item answers 403.
        let entries: [(&'static str, &'static str); 14] = [
            ("/district", "ui-nav-district"),
            ("/afternoon", "ui-nav-afternoon"),
            ("/duty", "ui-nav-duty"),
            ("/school", "ui-nav-school"),
            ("/school/classes", "ui-nav-classes"),
            ("/students", "ui-nav-students"),
            ("/enrolment", "ui-nav-enrolment"),
            ("/survey/classes", "ui-nav-survey"),
            ("/school/notice", "ui-nav-notice"),
            ("/school/calendar", "ui-nav-calendar"),
            ("/admin/users", "ui-nav-users"),
            ("/admin/invitations", "ui-nav-invitations"),
            ("/admin/channels", "ui-nav-channels"),
            ("/admin/audit", "ui-nav-audit"),
        ];
        for (href, key) in entries {
            if crate::routes::may_open(&p, href) {
                nav.push(NavItem { href, label: t.get(key) });
            }
        }
        nav.push(NavItem {
            href: "/inbox",
            label: t.get("ui-nav-inbox"),
        });
        nav.push(NavItem {
            href: "/account",
            label: t.get("ui-nav-account"),
        });
        // A failed count only hides the badge; the page itself still renders.
        let unread = state.store.unread_count(&user.id).await.unwrap_or(0);
        Self {
            t,
            lang: lang.code(),
            demo: state.config.demo,
            user_name: Some(user.display_name.clone()),
            role_label: t.get(role_key(user.role)),
            unread,
            nav,
            principal: Some(p),
        }
    }
}
