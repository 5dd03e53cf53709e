//! The one policy module: it decides every permission in yanshi.
//!
//! A handler asks `may(principal, action, school)`; nothing else grants access. The web
//! layer's authorization-matrix test walks every route for every role against this table.

use crate::{ids::SchoolId, ids::UserId, role::Role};

/// Who is asking: the signed-in account, its role and the school it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub role: Role,
    /// `None` only for a district admin.
    pub school_id: Option<SchoolId>,
}

/// Everything a signed-in person can try to do. Later capabilities add variants here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See one's own home page, inbox and account; change one's own password and 2FA.
    UseOwnAccount,
    /// See the schools of the district and create new ones.
    ManageDistrict,
    /// See a school's staff accounts, create them, disable them.
    ManageStaffAccounts,
    /// Issue invitation codes with which guardians create their accounts.
    IssueGuardianInvitations,
    /// Read a school's audit log.
    ViewAudit,
    /// Configure a school's notification channels (webhook, robots, email).
    ManageChannels,
    /// Set up the school: settings, service policy, terms, calendar, grades, classes, places.
    ManageSchool,
    /// See the school's calendar, classes and staff directory (phones masked).
    ViewSchool,
    /// Staff records and the staff import.
    ManageStaff,
    /// Student and guardian records, the roster import and export.
    ManageStudents,
    /// See students of the classes one is responsible for.
    ViewStudents,
    /// See and review enrolment applications (班级审核, 学校审核); the state machine decides
    /// which steps each role may take.
    ReviewEnrolments,
    /// The afternoon at the classroom door: roll call and hand-over (点名、交接).
    RunAfternoon,
    /// 绩效工资: set the workload rates and payment periods, review a period's report, correct
    /// it with a reason, lock and export it, and read the term summary. The school's leaders.
    ReviewPay,
    /// See one's own workload and performance-pay lines (staff who may be paid for the afternoon).
    ViewOwnPay,
    /// 值班: set up posts and limits, generate, edit and publish the roster, approve swaps,
    /// arrange cover (代班). The school's leaders.
    ManageDuty,
    /// Take duty: see the published roster and one's own turns, declare when one cannot
    /// serve, propose and answer swaps, report an absence, sign the duty log (值班记录).
    TakeDuty,
    /// 志愿者: register volunteers, record their vetting, issue their hours certificates.
    ManageVolunteers,
    /// A volunteer's own page: their assignments, their group's first names, their hours.
    VolunteerSelf,
}

impl Action {
    /// Which roles may take this action at all (before the school scope is checked).
    fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::UseOwnAccount => &Role::ALL,
            Action::ManageDistrict => &[DistrictAdmin],
            Action::ManageStaffAccounts => &[DistrictAdmin, SchoolAdmin],
            Action::IssueGuardianInvitations => &[DistrictAdmin, SchoolAdmin, GradeDirector, ClassTeacher],
            Action::ViewAudit => &[DistrictAdmin, SchoolAdmin],
            Action::ManageChannels => &[DistrictAdmin, SchoolAdmin],
            Action::ManageSchool | Action::ManageStaff | Action::ManageStudents => &[DistrictAdmin, SchoolAdmin],
            Action::ViewSchool => &[DistrictAdmin, SchoolAdmin, GradeDirector, ClassTeacher, Teacher],
            Action::ViewStudents => &[DistrictAdmin, SchoolAdmin, GradeDirector, ClassTeacher],
            Action::ReviewEnrolments => &[DistrictAdmin, SchoolAdmin, GradeDirector, ClassTeacher],
            Action::RunAfternoon => &[SchoolAdmin, GradeDirector, ClassTeacher, Teacher],
            // The school's pay to its staff: its own leaders, not the district, never a family.
            Action::ReviewPay => &[SchoolAdmin],
            Action::ViewOwnPay => &[SchoolAdmin, GradeDirector, ClassTeacher, Teacher],
            Action::ManageDuty => &[SchoolAdmin],
            Action::TakeDuty => &[SchoolAdmin, GradeDirector, ClassTeacher, Teacher],
            // The school's own record of who comes in: not the district (PIPL art. 28).
            Action::ManageVolunteers => &[SchoolAdmin],
            Action::VolunteerSelf => &[Volunteer],
        }
    }
}

/// May `who` take `action`, on `school` when the action concerns one?
///
/// A district admin reaches every school of the district; everyone else only their own.
pub fn may(who: &Principal, action: Action, school: Option<&SchoolId>) -> bool {
    if !action.allowed_roles().contains(&who.role) {
        return false;
    }
    match school {
        None => true,
        Some(_) if who.role.is_district_wide() => true,
        Some(target) => who.school_id.as_ref() == Some(target),
    }
}

/// Who is responsible for one class: what the class-level rules need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassScope {
    pub school: SchoolId,
    pub grade: u8,
    pub class_teacher: Option<UserId>,
    pub grade_director: Option<UserId>,
}

/// May `who` see the students of this class (names, guardians, pickup adults)?
/// Admins see their school (a district admin every school); a grade director their grade;
/// a class teacher their class.
pub fn may_see_class(who: &Principal, class: &ClassScope) -> bool {
    match who.role {
        Role::DistrictAdmin => true,
        Role::SchoolAdmin => who.school_id.as_ref() == Some(&class.school),
        Role::GradeDirector => class.grade_director.as_ref() == Some(&who.user_id),
        Role::ClassTeacher => class.class_teacher.as_ref() == Some(&who.user_id),
        _ => false,
    }
}

/// May `who` read a student's sensitive fields (health, priority groups, custody limits)?
/// Least privilege (PIPL art. 28, 51): the school's admins, the grade director and the class
/// teacher of the child — not the district, which has no need to. Every read is logged.
pub fn may_read_sensitive(who: &Principal, class: &ClassScope) -> bool {
    who.role != Role::DistrictAdmin && may_see_class(who, class)
}

/// May `who` see a school's sensitive facts outside one class's page (audit details naming a
/// custody limit or a refusal's reason)? The school's own admins; not the district (PIPL art. 28).
pub fn may_read_school_sensitive(who: &Principal, school: &SchoolId) -> bool {
    who.role == Role::SchoolAdmin && who.school_id.as_ref() == Some(school)
}

/// The keys of audit details that carry a sensitive field (a custody level, why an adult was
/// refused, priority groups): left out for a reader without [`may_read_school_sensitive`].
pub const SENSITIVE_AUDIT_KEYS: &[&str] = &[
    "level",
    "reason",
    "priority_group",
    "priority_groups",
    "health_notes",
    "custody_notes",
];

/// The actions whose details may carry those keys.
pub fn audit_details_are_sensitive(action: &str) -> bool {
    action.starts_with("pickup_adult.")
        || action.starts_with("handover.")
        || action.starts_with("student.")
        || action.starts_with("enrolment.")
}

/// May `who` confirm (or turn down) a guardian whom `added_by` linked to a child of `school`?
/// A second person must (四眼原则): a school admin of that school other than the one who made
/// the change. Without it a single staff member could invent a guardian, print that guardian's
/// invitation slip and enrol a child no real guardian asked for.
pub fn may_confirm_guardian_link(who: &Principal, school: &SchoolId, added_by: Option<&UserId>) -> bool {
    who.role == Role::SchoolAdmin && who.school_id.as_ref() == Some(school) && added_by != Some(&who.user_id)
}

/// Does a roster import by `who` count as the school's confirmed record of guardians? Only a
/// school admin's: the school answers for its own roster.
pub fn import_confirms_guardians(who: &Principal) -> bool {
    who.role == Role::SchoolAdmin
}

// The store's decisions: each store method reads the facts in its transaction (whose child,
// which class) and asks one of these; none of it decides anything itself.

/// Does `who` act as a guardian of this child? A guardian account whose link to the child is
/// confirmed (`guardian_of_child`, read by the store). Only such a guardian applies, signs,
/// changes terms, answers the survey online and reports leave as a parent.
pub fn acts_as_guardian(who: &Principal, guardian_of_child: bool) -> bool {
    who.role == Role::Guardian && guardian_of_child
}

/// May `who` run the afternoon for the children of `school` — roll call, the attendance list
/// (当天未到校), 未到 whereabouts, the hand-over? Staff of that school who release children:
/// not volunteers, not the district.
pub fn may_run_afternoon(who: &Principal, school: &SchoolId) -> bool {
    may(who, Action::RunAfternoon, Some(school))
}

/// May `who` issue a personal pickup code (接送码) for a child of `school`? The child's guardian,
/// or staff who release children.
pub fn may_issue_pickup_code(who: &Principal, school: &SchoolId, guardian_of_child: bool) -> bool {
    acts_as_guardian(who, guardian_of_child) || may_run_afternoon(who, school)
}

/// Is `who` a leader of `school` (学校领导, a school admin there)? Leaders set the weather warning,
/// decide for a late child (值班领导决定), release to an EMERGENCY_ONLY adult with a reason,
/// publish the 告家长书 and check a signed daily record.
pub fn is_school_leader(who: &Principal, school: &SchoolId) -> bool {
    who.role == Role::SchoolAdmin && who.school_id.as_ref() == Some(school)
}

/// May `who` set a class's session plan (活动安排)? Its class teacher, or a school admin or a
/// grade director of the school.
pub fn may_plan_sessions(who: &Principal, class: &ClassScope) -> bool {
    who.school_id.as_ref() == Some(&class.school)
        && (class.class_teacher.as_ref() == Some(&who.user_id) || matches!(who.role, Role::SchoolAdmin | Role::GradeDirector))
}

/// May `who` enter or confirm a child's leave (请假) as staff? A school admin of the child's
/// school, or the class teacher of the child's class.
pub fn may_handle_leave(who: &Principal, class: &ClassScope) -> bool {
    who.school_id.as_ref() == Some(&class.school)
        && (who.role == Role::SchoolAdmin || (who.role == Role::ClassTeacher && class.class_teacher.as_ref() == Some(&who.user_id)))
}

/// May `who` enter a family's survey answer taken on paper or by phone? A school admin, the
/// class teacher or the grade director of the child's class.
pub fn may_enter_survey_answer(who: &Principal, class: &ClassScope) -> bool {
    who.school_id.as_ref() == Some(&class.school)
        && (who.role == Role::SchoolAdmin
            || class.class_teacher.as_ref() == Some(&who.user_id)
            || class.grade_director.as_ref() == Some(&who.user_id))
}

/// May `who` write a class's daily record (延时服务记录) — its notes and its signature? Only the
/// class teacher, under their own name.
pub fn may_sign_service_record(who: &Principal, class: &ClassScope) -> bool {
    who.school_id.as_ref() == Some(&class.school) && class.class_teacher.as_ref() == Some(&who.user_id)
}

/// May `who` append a correction to a class's signed record? The class teacher, the grade
/// director of the class, or a school admin.
pub fn may_correct_service_record(who: &Principal, class: &ClassScope) -> bool {
    who.school_id.as_ref() == Some(&class.school)
        && (class.class_teacher.as_ref() == Some(&who.user_id)
            || (who.role == Role::GradeDirector && class.grade_director.as_ref() == Some(&who.user_id))
            || who.role == Role::SchoolAdmin)
}

/// May `who` set the rates and periods of `school`'s performance pay (绩效工资), correct and
/// lock a period? The school's own leaders only.
pub fn may_review_pay(who: &Principal, school: &SchoolId) -> bool {
    may(who, Action::ReviewPay, Some(school)) && who.school_id.as_ref() == Some(school)
}

/// May `who` register volunteers of `school`, record their checks and sign off their hours
/// (志愿服务时长证明)? The school's own admins.
pub fn may_manage_volunteers(who: &Principal, school: &SchoolId) -> bool {
    may(who, Action::ManageVolunteers, Some(school))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, school: Option<&SchoolId>) -> Principal {
        Principal {
            user_id: UserId::new(),
            role,
            school_id: school.cloned(),
        }
    }

    #[test]
    fn a_school_admin_manages_only_their_own_school() {
        let a = SchoolId::new();
        let b = SchoolId::new();
        let admin = principal(Role::SchoolAdmin, Some(&a));
        assert!(may(&admin, Action::ManageStaffAccounts, Some(&a)));
        assert!(!may(&admin, Action::ManageStaffAccounts, Some(&b)));
        assert!(!may(&admin, Action::ManageDistrict, None));
    }

    #[test]
    fn class_teachers_see_their_class_and_sensitive_reads_stay_in_the_school() {
        let s = SchoolId::new();
        let teacher = principal(Role::ClassTeacher, Some(&s));
        let director = principal(Role::GradeDirector, Some(&s));
        let mine = ClassScope {
            school: s.clone(),
            grade: 3,
            class_teacher: Some(teacher.user_id.clone()),
            grade_director: Some(director.user_id.clone()),
        };
        let other = ClassScope {
            school: s.clone(),
            grade: 4,
            class_teacher: Some(UserId::new()),
            grade_director: None,
        };
        assert!(may_see_class(&teacher, &mine) && may_read_sensitive(&teacher, &mine));
        assert!(!may_see_class(&teacher, &other));
        assert!(may_see_class(&director, &mine) && !may_see_class(&director, &other));
        let district = principal(Role::DistrictAdmin, None);
        assert!(may_see_class(&district, &mine) && !may_read_sensitive(&district, &mine));
        let other_admin = principal(Role::SchoolAdmin, Some(&SchoolId::new()));
        assert!(!may_see_class(&other_admin, &mine));
        assert!(!may_see_class(&principal(Role::Teacher, Some(&s)), &mine));
        assert!(!may_see_class(&principal(Role::Guardian, Some(&s)), &mine));
    }

    #[test]
    fn a_guardian_added_by_staff_is_confirmed_by_another_school_admin() {
        let s = SchoolId::new();
        let admin = principal(Role::SchoolAdmin, Some(&s));
        let other_admin = principal(Role::SchoolAdmin, Some(&s));
        let teacher = principal(Role::ClassTeacher, Some(&s));
        assert!(
            !may_confirm_guardian_link(&admin, &s, Some(&admin.user_id)),
            "not the one who added"
        );
        assert!(may_confirm_guardian_link(&other_admin, &s, Some(&admin.user_id)));
        assert!(may_confirm_guardian_link(&admin, &s, Some(&teacher.user_id)));
        assert!(!may_confirm_guardian_link(&teacher, &s, Some(&admin.user_id)), "only an admin");
        assert!(!may_confirm_guardian_link(&principal(Role::DistrictAdmin, None), &s, None));
        assert!(
            !may_confirm_guardian_link(&other_admin, &SchoolId::new(), None),
            "only their school"
        );
        assert!(import_confirms_guardians(&admin) && !import_confirms_guardians(&principal(Role::DistrictAdmin, None)));
    }

    #[test]
    fn a_district_admin_reaches_every_school() {
        let d = principal(Role::DistrictAdmin, None);
        assert!(may(&d, Action::ViewAudit, Some(&SchoolId::new())));
        assert!(may(&d, Action::ManageDistrict, None));
    }

    #[test]
    fn guardians_and_volunteers_only_use_their_own_account() {
        let s = SchoolId::new();
        for role in [Role::Guardian, Role::Volunteer, Role::Teacher] {
            let p = principal(role, Some(&s));
            assert!(may(&p, Action::UseOwnAccount, None));
            assert!(!may(&p, Action::ManageStaffAccounts, Some(&s)));
            assert!(!may(&p, Action::ViewAudit, Some(&s)));
        }
        assert!(!may(
            &principal(Role::Guardian, Some(&s)),
            Action::IssueGuardianInvitations,
            Some(&s)
        ));
        assert!(may(
            &principal(Role::ClassTeacher, Some(&s)),
            Action::IssueGuardianInvitations,
            Some(&s)
        ));
    }

    #[test]
    fn the_stores_decisions_follow_the_child_the_class_and_the_school() {
        let school = SchoolId::new();
        let other = SchoolId::new();
        let teacher = principal(Role::ClassTeacher, Some(&school));
        let director = principal(Role::GradeDirector, Some(&school));
        let admin = principal(Role::SchoolAdmin, Some(&school));
        let plain = principal(Role::Teacher, Some(&school));
        let volunteer = principal(Role::Volunteer, Some(&school));
        let guardian = principal(Role::Guardian, Some(&school));
        let district = principal(Role::DistrictAdmin, None);
        let class = ClassScope {
            school: school.clone(),
            grade: 3,
            class_teacher: Some(teacher.user_id.clone()),
            grade_director: Some(director.user_id.clone()),
        };
        let elsewhere = ClassScope {
            school: other.clone(),
            ..class.clone()
        };

        // Only a guardian whose link is confirmed acts as the child's guardian.
        assert!(acts_as_guardian(&guardian, true));
        assert!(!acts_as_guardian(&guardian, false) && !acts_as_guardian(&admin, true));

        // The door: the school's staff who release children, never volunteers or the district.
        for p in [&teacher, &director, &admin, &plain] {
            assert!(may_run_afternoon(p, &school) && !may_run_afternoon(p, &other), "{:?}", p.role);
        }
        for p in [&volunteer, &guardian, &district] {
            assert!(!may_run_afternoon(p, &school), "{:?}", p.role);
        }
        assert!(may_issue_pickup_code(&guardian, &school, true));
        assert!(!may_issue_pickup_code(&guardian, &school, false));
        assert!(may_issue_pickup_code(&plain, &school, false) && !may_issue_pickup_code(&volunteer, &school, true));

        // Leaders are the school's admins, of that school only.
        assert!(is_school_leader(&admin, &school) && !is_school_leader(&admin, &other));
        for p in [&teacher, &director, &plain, &district] {
            assert!(!is_school_leader(p, &school), "{:?}", p.role);
        }

        // The class's own people, by what they do.
        assert!(may_plan_sessions(&teacher, &class) && may_plan_sessions(&director, &class) && may_plan_sessions(&admin, &class));
        assert!(!may_plan_sessions(&plain, &class) && !may_plan_sessions(&teacher, &elsewhere));
        assert!(may_handle_leave(&teacher, &class) && may_handle_leave(&admin, &class));
        assert!(!may_handle_leave(&director, &class) && !may_handle_leave(&plain, &class) && !may_handle_leave(&admin, &elsewhere));
        assert!(may_enter_survey_answer(&director, &class) && may_enter_survey_answer(&teacher, &class));
        assert!(!may_enter_survey_answer(&plain, &class) && !may_enter_survey_answer(&district, &class));
        assert!(may_sign_service_record(&teacher, &class));
        for p in [&director, &admin, &plain] {
            assert!(!may_sign_service_record(p, &class), "{:?}", p.role);
        }
        assert!(!may_sign_service_record(&teacher, &elsewhere));
        assert!(may_correct_service_record(&teacher, &class) && may_correct_service_record(&director, &class));
        assert!(may_correct_service_record(&admin, &class) && !may_correct_service_record(&plain, &class));
        assert!(!may_correct_service_record(&director, &elsewhere));

        // Pay: the school's leaders review it; the district and families never.
        assert!(may_review_pay(&admin, &school) && !may_review_pay(&admin, &other));
        for p in [&teacher, &director, &plain, &volunteer, &guardian, &district] {
            assert!(!may_review_pay(p, &school), "{:?}", p.role);
        }
        for p in [&teacher, &director, &plain, &admin] {
            assert!(may(p, Action::ViewOwnPay, Some(&school)), "{:?}", p.role);
        }
        for p in [&volunteer, &guardian, &district] {
            assert!(!may(p, Action::ViewOwnPay, Some(&school)), "{:?}", p.role);
        }
    }

    #[test]
    fn only_the_schools_admins_manage_volunteers_and_only_volunteers_see_their_own_page() {
        let s = SchoolId::new();
        assert!(may_manage_volunteers(&principal(Role::SchoolAdmin, Some(&s)), &s));
        assert!(!may_manage_volunteers(&principal(Role::SchoolAdmin, Some(&SchoolId::new())), &s));
        for role in [Role::DistrictAdmin, Role::ClassTeacher, Role::Volunteer, Role::Guardian] {
            assert!(!may_manage_volunteers(&principal(role, Some(&s)), &s), "{role:?}");
        }
        for role in Role::ALL {
            assert_eq!(
                may(&principal(role, Some(&s)), Action::VolunteerSelf, None),
                role == Role::Volunteer
            );
        }
    }
}
