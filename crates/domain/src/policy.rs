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
}

impl Action {
    /// Which roles may take this action at all (before the school scope is checked).
    fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::UseOwnAccount => &Role::ALL,
            Action::ManageDistrict => &[DistrictAdmin],
            Action::ManageStaffAccounts => &[DistrictAdmin, SchoolAdmin],
            Action::IssueGuardianInvitations => {
                &[DistrictAdmin, SchoolAdmin, GradeDirector, ClassTeacher]
            }
            Action::ViewAudit => &[DistrictAdmin, SchoolAdmin],
            Action::ManageChannels => &[DistrictAdmin, SchoolAdmin],
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
}
