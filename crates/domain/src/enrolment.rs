//! Enrolment (报名), the plan's way (§三.1, §五.6): needs survey → the guardian's own written
//! application → the class teacher's review → the school's review → the signed safety agreement
//! (安全责任书) → ACTIVE. Voluntary and free: only a guardian submits and signs; staff review,
//! countersign, and may end an enrolment only for a reason the school's rules name.

use crate::Invalid;
use crate::role::Role;
use sha2::{Digest, Sha256};
use time::{Date, Time, Weekday};

crate::text_enum! {
    /// Where an enrolment stands.
    pub enum EnrolmentState {
        /// 草稿 — the guardian is still filling in the application.
        Draft = "DRAFT",
        /// 已提交 — waiting for the class teacher (班级审核).
        Submitted = "SUBMITTED",
        /// 班主任已通过 — waiting for the school (学校审核).
        ClassApproved = "CLASS_APPROVED",
        /// 学校已通过 — the agreement waits for the guardian's signature.
        Approved = "APPROVED",
        /// 家长已签 — the agreement waits for the school's countersignature.
        Signed = "SIGNED",
        /// 生效 — the child takes part from now on.
        Active = "ACTIVE",
        Rejected = "REJECTED",
        /// The guardian cancelled before it became active.
        Cancelled = "CANCELLED",
        /// The guardian withdrew (退出) an active enrolment.
        Withdrawn = "WITHDRAWN",
        /// The school ended it for a reason its rules name.
        Terminated = "TERMINATED",
    }
    parse -> Option;
}

impl EnrolmentState {
    /// Still on its way or in force: a second application for the same child and term is refused.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            EnrolmentState::Rejected | EnrolmentState::Cancelled | EnrolmentState::Withdrawn | EnrolmentState::Terminated
        )
    }
}

crate::text_enum! {
    /// Something done to an enrolment.
    pub enum Step {
        Submit = "submit",
        Cancel = "cancel",
        ClassApprove = "class_approve",
        ClassReject = "class_reject",
        SchoolApprove = "school_approve",
        SchoolReject = "school_reject",
        GuardianSign = "guardian_sign",
        Countersign = "countersign",
        Withdraw = "withdraw",
        Terminate = "terminate",
    }
}

/// Who is taking a step, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taker {
    pub role: Role,
    /// A guardian linked to this very child.
    pub guardian_of_child: bool,
    /// The class teacher of the child's class.
    pub class_teacher_of_child: bool,
    /// Staff of the child's school.
    pub same_school: bool,
}

impl Taker {
    fn guardian(&self) -> bool {
        self.role == Role::Guardian && self.guardian_of_child
    }

    fn school_admin(&self) -> bool {
        self.role == Role::SchoolAdmin && self.same_school
    }

    fn class_reviewer(&self) -> bool {
        (self.role == Role::ClassTeacher && self.class_teacher_of_child && self.same_school) || self.school_admin()
    }
}

/// The next state after `step`, or why not. Only a guardian of the child submits, signs,
/// cancels and withdraws: no staff path makes a child ACTIVE without the guardian.
pub fn next(state: EnrolmentState, step: Step, who: &Taker) -> Result<EnrolmentState, Invalid> {
    use EnrolmentState::*;
    let allowed = match step {
        Step::Submit | Step::Cancel | Step::GuardianSign | Step::Withdraw => who.guardian(),
        Step::ClassApprove | Step::ClassReject => who.class_reviewer(),
        Step::SchoolApprove | Step::SchoolReject | Step::Countersign | Step::Terminate => who.school_admin(),
    };
    if !allowed {
        return Err(Invalid::new("step", "err-enrolment-not-yours"));
    }
    let to = match (state, step) {
        (Draft, Step::Submit) => Submitted,
        (Draft | Submitted | ClassApproved | Approved | Signed, Step::Cancel) => Cancelled,
        (Submitted, Step::ClassApprove) => ClassApproved,
        (Submitted, Step::ClassReject) | (ClassApproved, Step::SchoolReject) => Rejected,
        (ClassApproved, Step::SchoolApprove) => Approved,
        (Approved, Step::GuardianSign) => Signed,
        (Signed, Step::Countersign) => Active,
        (Active, Step::Withdraw) => Withdrawn,
        (Active, Step::Terminate) => Terminated,
        _ => return Err(Invalid::new("step", "err-enrolment-step")),
    };
    Ok(to)
}

/// Why a review says no: never "no" without one (plan §三.1: 严禁拒绝或推诿).
pub const REJECT_REASONS: [&str; 4] = ["INCOMPLETE", "DUPLICATE", "CAN_LEAVE_ON_TIME", "OTHER"];

/// The school's rules for ending an enrolment (DOMAIN §3.1).
pub const TERMINATION_REASONS: [&str; 4] = [
    "REPEATED_DISRUPTION",
    "UNEXCUSED_ABSENCES",
    "WENT_HOME_ALONE_AFTER_LATE_PICKUP",
    "SERIOUS_MISCONDUCT",
];

/// The days of the week a child attends (Monday to Friday; a make-up Saturday counts as the
/// weekday whose timetable it follows — here, every day the child attends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weekdays(pub u8);

impl Weekdays {
    pub const ALL_SCHOOL_DAYS: Weekdays = Weekdays(0b11111);

    pub fn from_numbers(days: &[u8]) -> Result<Self, Invalid> {
        let mut bits = 0u8;
        for d in days {
            if !(1..=5).contains(d) {
                return Err(Invalid::new("weekdays", "err-weekdays"));
            }
            bits |= 1 << (d - 1);
        }
        if bits == 0 {
            return Err(Invalid::new("weekdays", "err-weekdays"));
        }
        Ok(Weekdays(bits))
    }

    pub fn contains(self, day: Weekday) -> bool {
        let n = day.number_from_monday();
        // A make-up weekend workday follows the full week's schedule.
        (6..=7).contains(&n) || self.0 & (1 << (n - 1)) != 0
    }

    pub fn numbers(self) -> Vec<u8> {
        (1..=5).filter(|d| self.0 & (1 << (d - 1)) != 0).collect()
    }
}

crate::text_enum! {
    /// How the child goes home (接送方式).
    pub enum PickupPlan {
        /// A guardian, or an adult on the child's list, takes the child at the classroom door.
        ByAdults = "BY_ADULTS",
        /// The guardian asks that the child may leave alone (自行离校), where the grade allows it.
        SelfLeave = "SELF_LEAVE",
    }
    parse -> Option;
}

/// The terms a guardian applies for: what the agreement then fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub weekdays: Weekdays,
    pub latest_pickup: Time,
    pub pickup_plan: PickupPlan,
}

/// The lowest grade whose children may leave alone, by default (DOMAIN §3.5, [A]).
pub const DEFAULT_SELF_LEAVE_MIN_GRADE: u8 = 3;

/// Checks terms against the school's rules for the child's grade.
pub fn check_terms(terms: &Terms, grade: u8, service_end: Time, self_leave_min_grade: u8) -> Result<(), Invalid> {
    if terms.latest_pickup > service_end {
        return Err(Invalid::new("latest_pickup", "err-pickup-after-end"));
    }
    if terms.pickup_plan == PickupPlan::SelfLeave && grade < self_leave_min_grade {
        return Err(Invalid::new("pickup_plan", "err-self-leave-grade"));
    }
    Ok(())
}

/// The SHA-256 of the exact text signed, recorded with each signature.
pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A withdrawal takes effect today if made before the cut-off on a service day, otherwise
/// from the next service day (`next_service_day` finds it).
pub fn withdrawal_effective(today: Date, now_local: Time, cutoff: Time, next_service_day: impl Fn(Date) -> Date) -> Date {
    if now_local < cutoff {
        today
    } else {
        next_service_day(today + time::Duration::days(1))
    }
}

crate::text_enum! {
    /// Leave (请假) types; sick leave does not count toward the three-leave termination rule.
    pub enum LeaveKind {
        /// 病假
        Sick = "SICK" => "ui-leave-sick",
        /// 事假
        Personal = "PERSONAL" => "ui-leave-personal",
        Other = "OTHER" => "ui-leave-other",
    }
    parse -> Invalid("kind", "err-leave-kind");
}

crate::text_enum! {
    /// How leave reached the school: the guardian in the app, or the class teacher entering
    /// what was said by phone or written on paper.
    pub enum LeaveChannel {
        App = "APP" => "ui-leave-via-app",
        Phone = "PHONE" => "ui-leave-via-phone",
        Paper = "PAPER" => "ui-leave-via-paper",
    }
    parse -> Invalid("kind", "err-leave-kind");
}

crate::text_enum! {
    /// Where a version of the agreement (安全责任书) stands: waiting for the guardian, signed
    /// by them and waiting for the school's seal, in force, or replaced by a newer version.
    pub enum AgreementStatus {
        Pending = "PENDING" => "ui-agreement-status-pending",
        GuardianSigned = "GUARDIAN_SIGNED" => "ui-agreement-status-guardian-signed",
        Effective = "EFFECTIVE" => "ui-agreement-status-effective",
        Superseded = "SUPERSEDED" => "ui-agreement-status-superseded",
    }
}

crate::text_enum! {
    /// Who signed: 乙方 the guardian, or 甲方 the school.
    pub enum Party {
        Guardian = "GUARDIAN" => "ui-party-guardian",
        School = "SCHOOL" => "ui-party-school",
    }
}

crate::text_enum! {
    /// Where a leave stands: in force, waiting for the class teacher (reported after the
    /// cut-off), or cancelled.
    pub enum LeaveStatus {
        Confirmed = "CONFIRMED" => "ui-leave-status-confirmed",
        Pending = "PENDING" => "ui-leave-status-pending",
        Cancelled = "CANCELLED" => "ui-leave-status-cancelled",
    }
}

/// Leave reported for `first_day` after its cut-off needs the class teacher's confirmation.
pub fn leave_needs_confirmation(first_day: Date, today: Date, now_local: Time, cutoff: Time) -> bool {
    first_day < today || (first_day == today && now_local >= cutoff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EnrolmentState::*;
    use time::macros::{date, time};

    fn taker(role: Role) -> Taker {
        Taker {
            role,
            guardian_of_child: role == Role::Guardian,
            class_teacher_of_child: role == Role::ClassTeacher,
            same_school: role != Role::Guardian,
        }
    }

    #[test]
    fn the_whole_way_to_active() {
        let (g, t, a) = (taker(Role::Guardian), taker(Role::ClassTeacher), taker(Role::SchoolAdmin));
        let mut s = Draft;
        for (step, who, expect) in [
            (Step::Submit, g, Submitted),
            (Step::ClassApprove, t, ClassApproved),
            (Step::SchoolApprove, a, Approved),
            (Step::GuardianSign, g, Signed),
            (Step::Countersign, a, Active),
            (Step::Withdraw, g, Withdrawn),
        ] {
            s = next(s, step, &who).unwrap();
            assert_eq!(s, expect);
        }
    }

    /// Every step, from every state, by every role that is not a guardian of the child: none
    /// ever reaches ACTIVE or SIGNED, and none submits.
    #[test]
    fn no_staff_path_enrols_a_child() {
        let steps = [
            Step::Submit,
            Step::Cancel,
            Step::ClassApprove,
            Step::ClassReject,
            Step::SchoolApprove,
            Step::SchoolReject,
            Step::GuardianSign,
            Step::Countersign,
            Step::Withdraw,
            Step::Terminate,
        ];
        let strangers: Vec<Taker> = Role::ALL
            .iter()
            .map(|r| Taker {
                role: *r,
                guardian_of_child: false,
                class_teacher_of_child: true,
                same_school: true,
            })
            .collect();
        for from in EnrolmentState::ALL {
            for step in steps {
                for who in &strangers {
                    if let Ok(to) = next(from, step, who) {
                        assert!(
                            !matches!(to, Submitted | Signed),
                            "{:?} took {from:?} to {to:?} by {step:?}",
                            who.role
                        );
                        assert!(!(to == Active && from != Signed), "ACTIVE only from a guardian's signature");
                    }
                }
            }
        }
        // Another child's guardian can do nothing either.
        let other = Taker {
            role: Role::Guardian,
            guardian_of_child: false,
            class_teacher_of_child: false,
            same_school: true,
        };
        assert!(next(Draft, Step::Submit, &other).is_err());
        assert!(next(Approved, Step::GuardianSign, &other).is_err());
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        let (g, a) = (taker(Role::Guardian), taker(Role::SchoolAdmin));
        assert_eq!(
            next(Submitted, Step::SchoolApprove, &a).unwrap_err().key,
            "err-enrolment-step",
            "the class first"
        );
        assert!(next(Approved, Step::Countersign, &a).is_err(), "the guardian signs first");
        assert!(
            next(Active, Step::Cancel, &g).is_err(),
            "an active enrolment is withdrawn, not cancelled"
        );
        assert!(next(Withdrawn, Step::Submit, &g).is_err());
        let other_school = Taker {
            role: Role::SchoolAdmin,
            guardian_of_child: false,
            class_teacher_of_child: false,
            same_school: false,
        };
        assert!(next(ClassApproved, Step::SchoolApprove, &other_school).is_err());
        let other_class = Taker {
            role: Role::ClassTeacher,
            guardian_of_child: false,
            class_teacher_of_child: false,
            same_school: true,
        };
        assert!(next(Submitted, Step::ClassApprove, &other_class).is_err());
    }

    #[test]
    fn terms_follow_the_school_rules() {
        let t = Terms {
            weekdays: Weekdays::from_numbers(&[1, 3, 5]).unwrap(),
            latest_pickup: time!(17:45),
            pickup_plan: PickupPlan::ByAdults,
        };
        assert!(check_terms(&t, 1, time!(18:00), 3).is_ok());
        assert_eq!(
            check_terms(
                &Terms {
                    latest_pickup: time!(18:10),
                    ..t.clone()
                },
                1,
                time!(18:00),
                3
            )
            .unwrap_err()
            .key,
            "err-pickup-after-end"
        );
        assert_eq!(
            check_terms(
                &Terms {
                    pickup_plan: PickupPlan::SelfLeave,
                    ..t.clone()
                },
                2,
                time!(18:00),
                3
            )
            .unwrap_err()
            .key,
            "err-self-leave-grade"
        );
        assert!(
            check_terms(
                &Terms {
                    pickup_plan: PickupPlan::SelfLeave,
                    ..t.clone()
                },
                4,
                time!(18:00),
                3
            )
            .is_ok()
        );
        assert_eq!(t.weekdays.numbers(), [1, 3, 5]);
        assert!(t.weekdays.contains(Weekday::Wednesday) && !t.weekdays.contains(Weekday::Tuesday));
        assert!(t.weekdays.contains(Weekday::Saturday), "a make-up Saturday counts");
        assert!(Weekdays::from_numbers(&[]).is_err());
        assert!(Weekdays::from_numbers(&[6]).is_err());
    }

    #[test]
    fn withdrawal_and_leave_follow_the_cut_off() {
        let next_day = |d: Date| {
            if d.weekday() == Weekday::Saturday {
                d + time::Duration::days(2)
            } else {
                d
            }
        };
        assert_eq!(
            withdrawal_effective(date!(2026 - 12 - 04), time!(11:00), time!(12:00), next_day),
            date!(2026 - 12 - 04)
        );
        assert_eq!(
            withdrawal_effective(date!(2026 - 12 - 04), time!(13:00), time!(12:00), next_day),
            date!(2026 - 12 - 07),
            "Friday afternoon → Monday"
        );
        assert!(!leave_needs_confirmation(
            date!(2026 - 12 - 04),
            date!(2026 - 12 - 04),
            time!(11:59),
            time!(12:00)
        ));
        assert!(leave_needs_confirmation(
            date!(2026 - 12 - 04),
            date!(2026 - 12 - 04),
            time!(12:00),
            time!(12:00)
        ));
        assert!(
            !leave_needs_confirmation(date!(2026 - 12 - 07), date!(2026 - 12 - 04), time!(17:00), time!(12:00)),
            "a later day is fine"
        );
    }

    #[test]
    fn the_hash_is_of_the_exact_text() {
        assert_ne!(text_hash("安全责任书"), text_hash("安全责任书 "));
        assert_eq!(text_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
