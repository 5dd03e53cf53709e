//! 《延时看管服务安全责任书》 — the safety agreement, generated for each child from the school's
//! versioned template (DOMAIN §4.6), and the privacy notice guardians consent to (DOMAIN §9).

use crate::Invalid;

/// The placeholders a template may use, filled from the child's own terms.
pub const PLACEHOLDERS: [&str; 11] = [
    "{school}",
    "{term}",
    "{student}",
    "{class}",
    "{guardian}",
    "{weekdays}",
    "{times}",
    "{latest_pickup}",
    "{pickup}",
    "{self_leave}",
    "{content}",
];

/// What every agreement must state about the child: a template without them is refused.
const REQUIRED: [&str; 4] = ["{student}", "{weekdays}", "{latest_pickup}", "{pickup}"];

/// The default template, from the clauses real schools use (DOMAIN §4.6).
pub const DEFAULT_TEMPLATE: &str = "延时看管服务安全责任书

甲方：{school}
乙方：{guardian}（学生 {student} 的监护人，{class}）

根据《教育部办公厅关于做好中小学生课后服务工作的指导意见》和《学生伤害事故处理办法》，乙方自愿申请、经学校审核同意，学生 {student} 参加{term}放学后延时看管服务。双方约定如下：

一、服务时间：{weekdays}（法定节假日和寒暑假除外），放学后至 {times}。乙方最晚于 {latest_pickup} 前接走学生。
二、服务内容：{content}。学校不上课、不集中辅导、不加重学生课业负担。本服务为公益服务，不收取任何费用。
三、甲方职责：按时点名考勤；看管期间全程有教师在岗；在校期间按规定承担安全管理责任；离校时由教师亲自将学生交给乙方或乙方登记的接送人；发现异常及时告知乙方；遇突发事件及时救助并通知乙方；做好延时服务记录。
四、乙方职责：按时接送，不晚于约定时间；不能按时接送或学生不参加时，提前告知班主任；如实告知学生特异体质、特殊疾病和异常心理状况；保持至少一部电话畅通，号码变更及时告知；对学生进行安全教育，不让学生携带危险物品；遇紧急情况积极配合。
五、接送方式：{pickup}。接送人须年满 18 周岁，并事先在学校登记；临时委托他人须提前告知班主任。
六、自行离校：{self_leave}
七、责任界定：按《学生伤害事故处理办法》第九、十二、十三条处理。乙方的监护责任不因参加延时服务而转移。
八、请假、退出与终止：学生请假由乙方提前告知班主任。乙方可随时申请退出。学生屡次严重违反纪律经教育不改、累计三次无故缺席（病假除外）、或放学后乙方未接而学生自行回家的，学校可以终止服务。
九、本责任书在乙方签字、甲方签章后生效，有效期为{term}。服务条件（服务日、接送方式、自行离校）变更时重新签订，原责任书存档备查。
";

/// Facts about one child, filled into the template.
pub struct AgreementFacts<'a> {
    pub school: &'a str,
    pub term: &'a str,
    pub student: &'a str,
    pub class: &'a str,
    pub guardian: &'a str,
    pub weekdays: &'a str,
    pub times: &'a str,
    pub latest_pickup: &'a str,
    pub pickup: &'a str,
    pub self_leave: &'a str,
    pub content: &'a str,
}

/// The text of one child's agreement.
pub fn render(template: &str, f: &AgreementFacts) -> String {
    let values = [
        f.school,
        f.term,
        f.student,
        f.class,
        f.guardian,
        f.weekdays,
        f.times,
        f.latest_pickup,
        f.pickup,
        f.self_leave,
        f.content,
    ];
    PLACEHOLDERS
        .iter()
        .zip(values)
        .fold(template.to_string(), |text, (p, v)| text.replace(p, v))
}

/// A school's own template must still state the child's terms.
pub fn check_template(template: &str) -> Result<(), Invalid> {
    if template.chars().count() > 20_000 || template.trim().is_empty() {
        return Err(Invalid::new("template", "err-template-size"));
    }
    if REQUIRED.iter().any(|p| !template.contains(p)) {
        return Err(Invalid::new("template", "err-template-placeholders"));
    }
    Ok(())
}

/// 儿童个人信息保护规则 — shown to the guardian before any data is collected; the consent
/// records this version (PIPL art. 31; 儿童个人信息网络保护规定).
pub const PRIVACY_NOTICE_VERSION: &str = "2026-1";

pub const PRIVACY_NOTICE: &str = "儿童个人信息保护规则（版本 2026-1）

1. 目的与范围：学校为组织放学后延时看管服务，收集学生姓名、班级、学号，监护人和授权接送人的姓名、关系、手机号，以及您自愿提供的健康情况和优先保障类别。只用于延时服务的报名、点名、交接和安全管理。
2. 敏感信息：健康情况、优先保障类别、监护限制和照片属于敏感个人信息，只有班主任、年级主任和学校管理员在需要时可以查看，每次查看都会被记录。
3. 存储：数据存放在学校（或教育局）自己的服务器上，不出境，不提供给第三方，不用于任何收费或商业用途。报名、考勤和交接记录保存到学期结束后一年；离校或撤回授权后删除照片和接送人信息。
4. 您的权利：您可以随时查看、更正、补充或要求删除孩子的信息，可以撤回同意。拒绝或撤回同意不影响孩子正常放学，但学校无法为孩子办理延时服务。
5. 联系与投诉：请联系班主任或学校办公室；也可以向教育主管部门反映。";

/// The default 告家长书 (notice to parents, DOMAIN §4.1); the school edits it before publishing.
pub const DEFAULT_NOTICE: &str = "致家长的一封信：关于开展放学后延时看管服务的通知

尊敬的家长：

为帮助家长解决无法按时接孩子的难题，{school}在{term}开展放学后延时看管服务。

一、服务对象：本校在校学生，家长自愿报名。
二、服务时间：学校工作日放学后至 {times}（法定节假日和寒暑假除外）。
三、服务内容：以看管照顾为主，组织自主阅读、作业答疑、文体活动等。不上课、不集中辅导、不加重学生课业负担。
四、安全措施：教师全程看管、点名考勤，值班教师在楼道维持秩序；离校时由教师亲自把孩子交到家长或登记的接送人手中。
五、收费：公益服务，不收取任何费用。
六、报名方式：家长在手机上填写申请，经班主任和学校审核后，签订《延时看管服务安全责任书》后参加。不需要延时服务的学生按时放学。
七、报名截止：{deadline}。
八、联系方式：{contact}

{school}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_template_renders_the_childs_terms_and_is_valid() {
        check_template(DEFAULT_TEMPLATE).unwrap();
        let facts = AgreementFacts {
            school: "演示小学",
            term: "2026-2027学年第一学期",
            student: "王小明",
            class: "三年级二班",
            guardian: "张丽",
            weekdays: "周一、周三",
            times: "18:00",
            latest_pickup: "17:45",
            pickup: "由监护人或登记的接送人（王奶奶）接走",
            self_leave: "不申请",
            content: "自主阅读、作业辅导",
        };
        let text = render(DEFAULT_TEMPLATE, &facts);
        assert!(text.contains("学生 王小明 参加2026-2027学年第一学期") && text.contains("周一、周三") && text.contains("17:45 前接走"));
        assert!(!text.contains('{'), "every placeholder filled");
        assert!(text.contains("不收取任何费用"));
    }

    #[test]
    fn a_template_without_the_childs_terms_is_refused() {
        assert_eq!(check_template("安全责任书 {student}").unwrap_err().key, "err-template-placeholders");
        assert!(check_template("").is_err());
    }
}
