//! The roster import (名单导入): once, again to no change, and nothing written when a class is missing.

use super::*;

contract!(
    a_roster_imports_once_and_reimports_to_no_change,
    a_roster_with_a_missing_class_writes_nothing,
);

async fn a_roster_imports_once_and_reimports_to_no_change(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 2, NOW).await.unwrap();
    let mut rows = vec![
        child(
            2,
            "20260301",
            "王小明",
            3,
            2,
            &[("张丽", "母亲", "13800138000"), ("王强", "父亲", "13900139000")],
        ),
        child(3, "20260302", "王小红", 1, 1, &[("张丽", "母亲", "13800138000")]),
        child(4, "20260303", "李华", 3, 1, &[("李梅", "外婆", "13700137000")]),
    ];
    rows[2].priority_groups = vec![PriorityGroup::LeftBehind];
    rows[2].health_notes = "哮喘".into();
    let (preview, problems) = store.preview_student_import(&school.id, &rows).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((preview.created, preview.updated, preview.unchanged), (3, 0, 0));
    assert!(
        store.classes(&school.id).await.unwrap().iter().all(|c| c.active_students == 0),
        "a preview writes nothing"
    );

    let c = store.import_students(&actor, &school.id, &rows, "abc", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (3, 0, 0));
    let classes = store.classes(&school.id).await.unwrap();
    let g3c2 = classes.iter().find(|c| c.name == "三年级二班").unwrap();
    let students = store.students_of_class(&g3c2.id).await.unwrap();
    assert_eq!(students.len(), 1);
    assert_eq!(students[0].1.len(), 2);
    assert!(students[0].1[0].is_primary && students[0].1[0].name == "张丽");

    let c = store.import_students(&actor, &school.id, &rows, "abc", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 3), "the same file changes nothing");

    // An updated file: 王小明 moved to 三年级一班; 李华's grandmother's name corrected.
    rows[0].class_number = 1;
    rows[2].guardians[0].name = "李美".into();
    let (preview, _) = store.preview_student_import(&school.id, &rows).await.unwrap();
    assert_eq!((preview.created, preview.updated, preview.unchanged), (0, 2, 1));
    let c = store.import_students(&actor, &school.id, &rows, "def", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 2, 1));
    let g3c1 = classes.iter().find(|c| c.name == "三年级一班").unwrap();
    assert_eq!(store.students_of_class(&g3c1.id).await.unwrap().len(), 2);
    let audit = store.audit_entries(Some(&school.id), 5).await.unwrap();
    assert_eq!(audit[0].action, "roster.import_students");
    assert!(!audit[0].details.contains("哮喘"), "no sensitive content in the audit log");
}

async fn a_roster_with_a_missing_class_writes_nothing(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 2, NOW).await.unwrap();
    let rows = vec![
        child(2, "20260301", "王小明", 3, 2, &[("张丽", "母亲", "13800138000")]),
        child(3, "20260302", "赵六", 3, 9, &[("赵大", "父亲", "13800138002")]),
        child(4, "20260303", "钱七", 4, 1, &[("另一个名字", "母亲", "13800138000")]),
    ];
    let (_, problems) = store.preview_student_import(&school.id, &rows).await.unwrap();
    let found: Vec<(usize, &str)> = problems.iter().map(|p| (p.row, p.key)).collect();
    assert_eq!(found, vec![(3, "err-class-missing"), (4, "err-guardian-phone-conflict")]);
    assert_eq!(problems[0].value, "三年级九班");
    assert!(store.import_students(&actor, &school.id, &rows, "x", NOW).await.is_err());
    assert!(
        store.classes(&school.id).await.unwrap().iter().all(|c| c.active_students == 0),
        "all or nothing"
    );
}
