import Schema

/// The tables the generator draws from: group shares, who registers whom, names, places, industries.
extension Population {
    /// The shares of the groups G1..G17 among registered workers (plausible for a prefecture-level
    /// city: employees, rural migrants and students dominate; G11/G12 are rare).
    public static let categoryShares: [(WorkerCategory, Double)] = [
        (.g1EnterpriseEmployee, 22), (.g2NewHire, 8), (.g3Student, 10), (.g4PoorFamilyChild, 2), (.g5RegisteredPoor, 4),
        (.g6TwoAfterYouth, 3), (.g7RuralMigrant, 14), (.g8Unemployed, 9), (.g9PostChange, 3),
        (.g10EmploymentDifficulty, 4),
        (.g11PreRelease, 0.5), (.g12CommunityCorrection, 0.5), (.g13RuralTalent, 7), (.g14Veteran, 3),
        (.g15SpecialOperations, 4), (.g16DomesticService, 4), (.g17Entrepreneur, 2),
    ]

    /// The department that registers a worker of `category`, and so attests it (registration's
    /// attestation table); self-declared groups are registered by hrss.
    public static func registeringRole(for category: WorkerCategory, lowIncomeFamily: Bool) -> String {
        switch category {
        case .g3Student: return "education"
        case .g6TwoAfterYouth: return lowIncomeFamily ? "civil-affairs" : "education"
        case .g4PoorFamilyChild, .g5RegisteredPoor: return "poverty-office"
        case .g11PreRelease, .g12CommunityCorrection: return "justice"
        case .g14Veteran: return "veterans"
        default: return "hrss"
        }
    }

    /// The certificate name (CN) of the institution system that acts for every institution in O4
    /// (the dev certificate of the `institution` role).
    public static let institutionSystemCertificate = "institution-dev"

    static let freeGroups: Set<WorkerCategory> = [
        .g4PoorFamilyChild, .g5RegisteredPoor, .g6TwoAfterYouth, .g7RuralMigrant,
        .g8Unemployed, .g9PostChange, .g10EmploymentDifficulty, .g11PreRelease,
        .g12CommunityCorrection,
    ]
    static let districts = [
        "371402", "371403", "371422", "371423", "371424", "371425", "371426", "371427", "371428", "371481", "371482",
    ]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
    static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志新海波鹏飞宇浩然晨曦嘉怡子涵")
    static let schools = ["德州学院", "德州职业技术学院", "德州科技职业学院", "山东华宇工学院", "德州市技师学院"]
    /// "6+6" key industries (GB/T 4754 codes) and general ones; chemicals and coal are high-risk.
    static let keyIndustries = ["C26", "C34", "C36", "C38", "C13", "I65"]
    static let generalIndustries = ["E47", "F52", "H62", "O80", "A01", "B06"]
    /// Occupations a group tends to train in (the rest of the time any subsidised occupation).
    static let affinity: [WorkerCategory: [String]] = [
        .g15SpecialOperations: ["6-11-01-03", "6-30-05-02", "6-31-01-03", "6-18-02-04"],
        .g16DomesticService: ["4-10-01-06", "4-10-01-05", "4-10-01-02", "4-10-01-03"],
        .g13RuralTalent: ["5-01-02-01", "4-01-02-02", "4-01-02-07"],
        .g17Entrepreneur: ["4-01-02-02", "4-01-02-07", "4-03-02-01"],
        .g1EnterpriseEmployee: ["6-31-01-03", "6-18-02-04", "6-18-01-01", "6-18-01-02", "4-12-01-01"],
    ]
}
