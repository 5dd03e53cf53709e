//! Hand-known cases: even splits, weights, overlaps, weekly limits, short posts and why,
//! volunteers never alone, malformed input.

use super::*;

#[test]
fn equal_turns_share_evenly() {
    let problem = Problem {
        people: staff(2, None),
        slots: (0..4).map(|d| slot(day(d), time!(15:30), time!(16:30), 1, &[0, 1])).collect(),
        previous: vec![],
    };
    let (sol, covered) = solve(&problem);
    assert_eq!((covered, sol.spread, sol.spread_bound), (4, 0, 0));
    assert_eq!(sol.loads, vec![120, 120]);
}

#[test]
fn odd_turns_leave_one_turn_of_spread_and_prove_it() {
    let problem = Problem {
        people: staff(2, None),
        slots: (0..3).map(|d| slot(day(d), time!(15:30), time!(16:30), 1, &[0, 1])).collect(),
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!((covered, sol.spread, sol.spread_bound), (3, 60, 60));
    }
}

#[test]
fn lengths_combine_to_an_even_split() {
    // 90 | 60 + 30: the only split with no spread.
    let slots = vec![
        slot(day(0), time!(15:30), time!(17:00), 1, &[0, 1]),
        slot(day(1), time!(15:30), time!(16:30), 1, &[0, 1]),
        slot(day(2), time!(17:30), time!(18:00), 1, &[0, 1]),
    ];
    let problem = Problem {
        people: staff(2, None),
        slots,
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!((covered, sol.spread, sol.spread_bound), (3, 0, 0));
    }
}

#[test]
fn a_heavier_post_weighs_more() {
    let mut leader = slot(day(0), time!(15:30), time!(16:30), 1, &[0]);
    leader.weight_permille = 2000;
    let problem = Problem {
        people: staff(2, None),
        slots: vec![
            leader,
            slot(day(1), time!(15:30), time!(16:30), 1, &[0, 1]),
            slot(day(2), time!(15:30), time!(16:30), 1, &[0, 1]),
        ],
        previous: vec![],
    };
    let (sol, _) = solve(&problem);
    assert_eq!(sol.loads, vec![120, 120]);
    assert_eq!(sol.placed[0], vec![0]);
}

#[test]
fn no_two_posts_at_once_and_fixed_turns_count() {
    // Person 0 is fixed on the hallway; the gate overlaps it, so only 1 may take the gate.
    let mut hallway = slot(day(0), time!(15:30), time!(17:30), 1, &[0, 1]);
    hallway.fixed = vec![0];
    let gate = slot(day(0), time!(16:45), time!(18:00), 1, &[0, 1]);
    let waiting = slot(day(0), time!(17:30), time!(18:00), 1, &[0]);
    let problem = Problem {
        people: staff(2, None),
        slots: vec![hallway, gate, waiting],
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!(covered, 2);
        assert_eq!(sol.placed, vec![vec![0], vec![1], vec![0]]);
    }
}

#[test]
fn weekly_limit_leaves_a_post_short() {
    let mut people = staff(1, Some(2));
    people.push(Person {
        max_per_week: Some(0),
        volunteer: false,
    });
    let mut slots: Vec<Slot> = (0..3).map(|d| slot(day(d), time!(15:30), time!(16:30), 1, &[0, 1])).collect();
    slots[0].fixed = vec![0];
    slots[0].eligible = vec![0];
    let problem = Problem {
        people,
        slots,
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!(covered, 1, "one more turn this week for 0, none for 1");
        assert_eq!(sol.short.len(), 1);
        assert_eq!((sol.short[0].missing, sol.short[0].reason), (1, ShortReason::LimitsReached));
    }
}

#[test]
fn short_reasons_nobody_or_all_unavailable() {
    let mut away = slot(day(0), time!(15:30), time!(16:30), 2, &[]);
    away.unavailable = 3;
    let nobody = slot(day(0), time!(15:30), time!(16:30), 1, &[]);
    let mut half = slot(day(1), time!(15:30), time!(16:30), 3, &[0]);
    half.fixed = vec![1];
    let problem = Problem {
        people: staff(2, None),
        slots: vec![away, nobody, half],
        previous: vec![],
    };
    let (sol, covered) = solve(&problem);
    assert_eq!(covered, 1);
    let reasons: Vec<_> = sol.short.iter().map(|s| (s.slot, s.missing, s.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (0, 2, ShortReason::AllUnavailable),
            (1, 1, ShortReason::NobodyEligible),
            (2, 1, ShortReason::LimitsReached)
        ]
    );
}

#[test]
fn volunteers_are_never_alone_where_staff_is_needed() {
    let mut people = staff(1, None);
    people.push(Person {
        max_per_week: None,
        volunteer: true,
    });
    people.push(Person {
        max_per_week: None,
        volunteer: true,
    });
    let mut only_volunteers = slot(day(0), time!(15:30), time!(16:30), 2, &[1, 2]);
    only_volunteers.needs_staff = true;
    let mut with_staff = slot(day(1), time!(15:30), time!(16:30), 2, &[1, 2, 0]);
    with_staff.needs_staff = true;
    let problem = Problem {
        people,
        slots: vec![only_volunteers, with_staff],
        previous: vec![],
    };
    for (sol, _) in [solve(&problem), decompose(&problem)] {
        assert!(sol.placed[0].is_empty());
        assert_eq!(
            (sol.short[0].slot, sol.short[0].missing, sol.short[0].reason),
            (0, 2, ShortReason::NobodyEligible)
        );
        assert!(sol.placed[1].contains(&0));
        assert_eq!(sol.placed[1].len(), 2);
    }
}

#[test]
fn malformed_indices_are_refused() {
    let good = Problem {
        people: staff(1, None),
        slots: vec![slot(day(0), time!(15:30), time!(16:30), 1, &[0])],
        previous: vec![],
    };
    let mut bad_eligible = good.clone();
    bad_eligible.slots[0].eligible.push(1);
    let mut bad_fixed = good.clone();
    bad_fixed.slots[0].fixed = vec![0, 0];
    let mut bad_previous = good.clone();
    bad_previous.previous = vec![(1, 0)];
    for problem in [bad_eligible, bad_fixed, bad_previous] {
        assert!(matches!(
            LpSolver::new().solve(&problem),
            Err(crate::duty::SolveError::Malformed(_))
        ));
    }
    assert!(LpSolver::new().solve(&Problem::default()).is_ok());
}
