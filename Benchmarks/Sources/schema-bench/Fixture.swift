// The values both libraries encode, as plain data (this file imports neither library).
// A realistic enrolment (claimed, with learning time on every channel) and the claim made for it:
// an eligible decision paying the institution in two tranches, a living allowance, and the rule trace.

struct TimestampData {
    var seconds: Int64
    var nanos: Int32
}
struct DateData {
    var year: Int32
    var month: Int32
    var day: Int32
}
struct LearningData {
    var channel: Int32
    var minutes: Int64
}
struct TrancheData {
    var id: String
    var index: Int32
    var amountFen: Int64
    var state: Int32
    var condition: String
    var paidAt: TimestampData?
    var ledgerEntryId: String
}
struct TraceData {
    var ruleId: String
    var zh: String
    var en: String
}

enum Fixture {
    // Enrollment (skills.v1.Enrollment)
    static let enrollmentId = "enr_01JDX4Q7R8ZK2M5N9P3T6V0W1Y"
    static let workerId = "wkr_01JDWZ3H6K9M2P5R8T1V4X7Z0B"
    static let offeringId = "off_01JDV8N2Q5S8U1W4Y7A0C3E6G9"
    static let institutionId = "ins_01JCT5K8M1P4R7T0V3X6Z9B2D5"
    static let enrollmentState: Int32 = 8  // ENROLLMENT_STATE_CLAIMED
    static let learning: [LearningData] = [
        .init(channel: 1, minutes: 2_880),  // offline
        .init(channel: 2, minutes: 1_260),  // PC
        .init(channel: 3, minutes: 945),  // app
        .init(channel: 4, minutes: 315),  // WeChat
    ]
    static let attendancePercent: Int32 = 96
    static let completionDate = DateData(year: 2026, month: 10, day: 31)
    static let certificateNumber = "S000044010000262100358"
    static let claimId = "clm_01JE2B7D0F3H6K9M2P5R8T1V4X"
    static let selectedAt = TimestampData(seconds: 1_788_220_800, nanos: 125_000_000)  // 2026-09-01
    static let acceptedAt = TimestampData(seconds: 1_788_307_200, nanos: 480_000_000)
    static let completedAt = TimestampData(seconds: 1_793_404_800, nanos: 0)
    static let reason = "学员张伟因工作调动于培训期间请假三天，已按规定补课并完成结业考核。"
    static let enrollmentVersion: Int64 = 7

    // Claim (skills.v1.Claim)
    static let occupationCode = "6-31-01-03"
    static let occupationName = "电工"
    static let level: Int32 = 4  // SKILL_LEVEL_L4_INTERMEDIATE_WORKER
    static let offeringKind: Int32 = 1  // OFFERING_KIND_ORDINARY
    static let submittedAt = TimestampData(seconds: 1_793_520_000, nanos: 731_000_000)
    static let submittedBy = "CN=hrss-gz-tianhe,OU=人社局天河分局,O=广州市人力资源和社会保障局"

    // Decision (skills.v1.Decision)
    static let eligible = true
    static let refusingRuleIds: [String] = []
    static let amountFen: Int64 = 180_000  // 1,800.00 yuan
    static let payeeKind: Int32 = 3  // PAYEE_KIND_INSTITUTION
    static let payeeId = "ins_01JCT5K8M1P4R7T0V3X6Z9B2D5"
    static let tranches: [TrancheData] = [
        .init(
            id: "trn_01JE2B7D0F3H6K9M2P5R8T1V4Y", index: 1, amountFen: 108_000, state: 3,
            condition: "培训结业并取得职业技能等级证书后拨付60%（Paid on completion with a certificate: 60%）",
            paidAt: .init(seconds: 1_794_038_400, nanos: 0), ledgerEntryId: "led_01JE9X2Z5B8D1F4H7K0M3P6R9T"),
        .init(
            id: "trn_01JE2B7D0F3H6K9M2P5R8T1V4Z", index: 2, amountFen: 72_000, state: 1,
            condition: "结业后6个月内实现就业并缴纳社保满3个月后拨付40%（40% after 3 months of social insurance within 6 months）",
            paidAt: nil, ledgerEntryId: ""),
    ]
    static let livingAllowanceFen: Int64 = 45_000
    static let policyVersion = "粤人社规〔2024〕12号 / gz-2026.2"
    static let standardFen: Int64 = 180_000
    static let subsidyYear: Int32 = 2026
    static let trace: [TraceData] = [
        .init(
            ruleId: "R1", zh: "结业日期2026-10-31在补贴申领期限（结业后12个月）内。",
            en: "Completion date 2026-10-31 is within the 12-month claim window."),
        .init(
            ruleId: "R2", zh: "证书编号S000044010000262100358经核验有效，职业与等级与培训项目一致。",
            en: "Certificate S000044010000262100358 verified valid; occupation and level match the offering."),
        .init(
            ruleId: "R3", zh: "该劳动者本年度同一职业同一等级未享受过培训补贴。",
            en: "No subsidy paid this year to this worker for the same occupation and level."),
        .init(
            ruleId: "R4", zh: "劳动者类别G7农村转移劳动力，符合补贴对象范围。",
            en: "Worker category G7 (rural migrant worker) is within the eligible groups."),
        .init(ruleId: "R5", zh: "出勤率96%，不低于90%的要求。", en: "Attendance 96% meets the 90% minimum."),
        .init(
            ruleId: "R6", zh: "学时合计5400分钟（线下2880、电脑端1260、手机端945、微信315），线上学时占比46.7%，未超过50%。",
            en:
                "5,400 minutes in all (offline 2,880, PC 1,260, app 945, WeChat 315); online share 46.7%, under the 50% cap."
        ),
        .init(
            ruleId: "R7", zh: "培训机构已备案且在有效期内，项目已纳入本年度补贴目录（C2通用类）。",
            en: "The institution is filed and current; the offering is in this year's catalogue (C2 general)."),
        .init(
            ruleId: "R8", zh: "电工四级（中级工）补贴标准为1800元。",
            en: "The standard for Electrician, level 4 (intermediate worker), is CNY 1,800.00."),
        .init(
            ruleId: "R9", zh: "普通类培训，补贴直接拨付给培训机构。",
            en: "Ordinary offering: the subsidy is paid to the institution."),
        .init(
            ruleId: "R10", zh: "按60%/40%分两期拨付：第一期1080元，第二期720元。",
            en: "Paid in two tranches of 60% / 40%: CNY 1,080.00 then CNY 720.00."),
        .init(
            ruleId: "R11", zh: "劳动者属就业困难人员，按每天50元、9天计发生活费补贴450元。",
            en: "Living allowance CNY 450.00 (9 days at CNY 50.00) for a worker with employment difficulty."),
        .init(
            ruleId: "R12", zh: "年度补贴总额未超过该劳动者每年3次的上限。",
            en: "Within the worker's limit of three subsidised trainings a year."),
    ]
}
