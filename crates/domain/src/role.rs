//! Roles (角色) of the people who use yanshi.

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// What a person is to the service. One account has one role.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        /// 区教育局管理员 — runs yanshi for every school of a district.
        DistrictAdmin = "district_admin",
        /// 校长 / 领导小组 — the school's leadership group (plan §四) and its administrators.
        SchoolAdmin = "school_admin",
        /// 年级主任 — grade director; runs the needs survey of a grade (plan §五.6).
        GradeDirector = "grade_director",
        /// 班主任 — class teacher; keeps the daily service record of a class (plan §六.2).
        ClassTeacher = "class_teacher",
        /// 延时服务教师 / 值班教师 — a teacher who takes a session or a duty post.
        Teacher = "teacher",
        /// 志愿者 — a volunteer (teacher, parent or community) helping under a teacher.
        Volunteer = "volunteer",
        /// 监护人 / 家长 — a guardian; sees only their own children.
        Guardian = "guardian",
    }
}

impl Role {
    /// A stored or typed role code (surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Role> {
        Role::from_code(s.trim())
    }

    /// Staff are everyone who works for the school or district; guardians are not staff.
    pub fn is_staff(self) -> bool {
        self != Role::Guardian
    }

    /// Admins must sign in with a second factor (ASVS 5.0 L2 6.3.2); others may opt in.
    pub fn requires_two_factor(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::SchoolAdmin)
    }

    /// Only a district admin works above a single school.
    pub fn is_district_wide(self) -> bool {
        self == Role::DistrictAdmin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn admins_need_two_factor_and_teachers_do_not() {
        assert!(Role::SchoolAdmin.requires_two_factor());
        assert!(Role::DistrictAdmin.requires_two_factor());
        assert!(!Role::ClassTeacher.requires_two_factor());
        assert!(!Role::Guardian.requires_two_factor());
    }
}
