// Stable ids of docs/POLICY.md: rules (R1..R11), the programme target (T1), worker groups (G1..G17),
// certificate kinds (A2) and levels (A3). Code, tests, traces and refusals cite these ids.

import Essentials

/// A rule of docs/POLICY.md. Every decision's trace has a line per rule; refusals name the rules.
public enum RuleID: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case r1 = "R1", r2 = "R2", r3 = "R3", r4 = "R4", r5 = "R5", r6 = "R6"
    case r7 = "R7", r8 = "R8", r9 = "R9", r10 = "R10", r11 = "R11"
    case t1 = "T1"

    /// Every id, in docs/POLICY.md order. `testEveryRuleHasATest` checks each has a test.
    public static let all: [RuleID] = allCases

    /// Position in docs/POLICY.md order (R1 = 0 ... R11 = 10, T1 = 11).
    public var order: Int {
        switch self {
        case .r1: 0
        case .r2: 1
        case .r3: 2
        case .r4: 3
        case .r5: 4
        case .r6: 5
        case .r7: 6
        case .r8: 7
        case .r9: 8
        case .r10: 9
        case .r11: 10
        case .t1: 11
        }
    }

    public static func < (a: RuleID, b: RuleID) -> Bool { a.order < b.order }

    public var description: String { rawValue }

    public var titleZH: String {
        switch self {
        case .r1: "城乡统一补贴标准，动态调整"
        case .r2: "先垫后补，取得证书后补贴"
        case .r3: "每人每年不超过3次"
        case .r4: "同一职业同一等级不可重复享受"
        case .r5: "按月领取养老金人员不纳入"
        case .r6: "企业新录用职工岗前培训按标准100%补贴企业"
        case .r7: "项目制培训先拨60%，就业率达85%后全额拨付"
        case .r8: "特殊群体免费培训，高校在校生和企业职工补贴性培训"
        case .r9: "培训期间生活费补贴"
        case .r10: "培训机构备案且在办学许可范围内"
        case .r11: "专项资金支付，全程可追溯"
        case .t1: "2019-2021年补贴性职业技能培训15万人次以上"
        }
    }

    public var titleEN: String {
        switch self {
        case .r1: "one standard for urban and rural workers, adjusted over time"
        case .r2: "pay first, reimburse after a certificate from the training"
        case .r3: "at most 3 subsidised trainings per person per year"
        case .r4: "never twice for the same occupation at the same level"
        case .r5: "people drawing a monthly pension are not eligible"
        case .r6: "new hires' pre-job training: 100% of the standard to the enterprise"
        case .r7: "project-based: 60% on delivery, the rest at >= 85% employment"
        case .r8: "free training for special groups; subsidised for students and employees"
        case .r9: "living allowance during training"
        case .r10: "institution filed and licensed for the occupation"
        case .r11: "paid from the special fund, traceable to version and rule"
        case .t1: "at least 150,000 subsidised trainings 2019-2021"
        }
    }
}

/// A set of rule ids as a bit mask (cheap in the decision path).
struct RuleSet: Sendable, Equatable {
    var bits: UInt32 = 0
    mutating func insert(_ r: RuleID) { bits |= 1 << UInt32(r.order) }
    func contains(_ r: RuleID) -> Bool { bits & (1 << UInt32(r.order)) != 0 }
    var isEmpty: Bool { bits == 0 }
    /// Members in docs/POLICY.md order.
    var sorted: [RuleID] { RuleID.all.filter { contains($0) } }
}

/// A worker category of docs/POLICY.md "Who is registered".
public enum Group: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case g1 = "G1", g2 = "G2", g3 = "G3", g4 = "G4", g5 = "G5", g6 = "G6", g7 = "G7", g8 = "G8"
    case g9 = "G9", g10 = "G10", g11 = "G11", g12 = "G12", g13 = "G13", g14 = "G14", g15 = "G15"
    case g16 = "G16", g17 = "G17"

    /// 0-based position (G1 = 0).
    public var index: Int {
        switch self {
        case .g1: 0
        case .g2: 1
        case .g3: 2
        case .g4: 3
        case .g5: 4
        case .g6: 5
        case .g7: 6
        case .g8: 7
        case .g9: 8
        case .g10: 9
        case .g11: 10
        case .g12: 11
        case .g13: 12
        case .g14: 13
        case .g15: 14
        case .g16: 15
        case .g17: 16
        }
    }

    public static func < (a: Group, b: Group) -> Bool { a.index < b.index }
    public var description: String { rawValue }

    public var titleZH: String {
        switch self {
        case .g1: "企业在职职工"
        case .g2: "企业新录用职工"
        case .g3: "在校大学生"
        case .g4: "贫困家庭子女"
        case .g5: "建档立卡贫困劳动力"
        case .g6: "两后生"
        case .g7: "农村转移就业劳动者"
        case .g8: "登记失业人员"
        case .g9: "转岗职工"
        case .g10: "就业困难人员"
        case .g11: "即将刑释人员"
        case .g12: "社区矫正人员"
        case .g13: "乡村人才"
        case .g14: "退役军人"
        case .g15: "特种作业人员"
        case .g16: "家政服务从业人员"
        case .g17: "创业者"
        }
    }

    public var titleEN: String {
        switch self {
        case .g1: "enterprise employee"
        case .g2: "new hire"
        case .g3: "university student"
        case .g4: "child of a poor family"
        case .g5: "registered poor labourer"
        case .g6: "two-after youth"
        case .g7: "rural worker moving to non-farm work"
        case .g8: "registered unemployed"
        case .g9: "worker changing post"
        case .g10: "person with employment difficulty"
        case .g11: "person about to be released from prison"
        case .g12: "community-correction person"
        case .g13: "rural talent"
        case .g14: "veteran"
        case .g15: "special-operations worker"
        case .g16: "domestic-service worker"
        case .g17: "entrepreneur"
        }
    }
}

/// A set of groups as a bit mask.
public struct GroupSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ groups: some Sequence<Group>) {
        var r: UInt32 = 0
        for g in groups { r |= 1 << UInt32(g.index) }
        self.init(rawValue: r)
    }
    public func contains(_ g: Group) -> Bool { rawValue & (1 << UInt32(g.index)) != 0 }
    public mutating func insert(_ g: Group) { self.formUnion(GroupSet(rawValue: 1 << UInt32(g.index))) }
    /// Members in G1..G17 order.
    public var groups: [Group] { Group.allCases.filter { contains($0) } }
}

/// A2 certificate kinds.
public enum CertificateKind: String, Sendable, Hashable, Codable, CaseIterable {
    case occupationalQualification  // 职业资格证书
    case skillLevel  // 职业技能等级证书
    case specialVocationalAbility  // 专项职业能力证书
    case specialOperationPermit  // 特种作业操作证书
    case trainingCompletion  // 培训合格证书

    public var titleZH: String {
        switch self {
        case .occupationalQualification: "职业资格证书"
        case .skillLevel: "职业技能等级证书"
        case .specialVocationalAbility: "专项职业能力证书"
        case .specialOperationPermit: "特种作业操作证书"
        case .trainingCompletion: "培训合格证书"
        }
    }

    public var titleEN: String {
        switch self {
        case .occupationalQualification: "occupational qualification certificate"
        case .skillLevel: "skill level certificate"
        case .specialVocationalAbility: "special vocational ability certificate"
        case .specialOperationPermit: "special-operation permit"
        case .trainingCompletion: "training completion certificate"
        }
    }
}

/// A3 levels: 5 初级工 ... 1 高级技师. A smaller number is a higher level.
public enum SkillLevel {
    public static let valid: ClosedRange<Int> = 1...5

    public static func titleZH(_ level: Int) -> String {
        switch level {
        case 5: "五级/初级工"
        case 4: "四级/中级工"
        case 3: "三级/高级工"
        case 2: "二级/技师"
        case 1: "一级/高级技师"
        default: "等级\(level)"
        }
    }

    public static func titleEN(_ level: Int) -> String {
        switch level {
        case 5: "level 5 (junior)"
        case 4: "level 4 (intermediate)"
        case 3: "level 3 (senior)"
        case 2: "level 2 (technician)"
        case 1: "level 1 (senior technician)"
        default: "level \(level)"
        }
    }
}

/// The kind of offering (O2 list): it decides the share of the standard and the payee.
public enum OfferingKind: String, Sendable, Hashable, Codable, CaseIterable {
    case ordinary
    /// R6: pre-job training of an enterprise's new hires (G2).
    case newHirePreJob
    /// R7: project-based training (项目制培训).
    case projectBased
}

/// The check of a unified social credit code (统一社会信用代码, GB 32100-2015), shared by
/// registration (its `UnifiedSocialCreditCode` validates registered codes with typed errors) and
/// payment (R7 employment evidence names employers by this code).
///
/// 18 characters from the 31-character alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, Z, S,
/// V); the 18th is a check character: `check = 31 - (sum of value × weight over the first 17 mod
/// 31)`, and 31 becomes 0 (the arithmetic is Essentials' `CheckDigits.CreditCode`). Lower case is
/// accepted as upper case.
public enum CreditCodeCheck {
    /// The standard's name, quoted in messages.
    public static let standard = CheckDigits.CreditCode.standard

    /// What is wrong with a code, in the order it is checked.
    public enum Problem: Sendable, Hashable {
        case missing
        case wrongLength(Int)
        /// 1-based position and the character found there.
        case invalidCharacter(position: Int, Character)
        case wrongCheckCharacter(expected: Character, found: Character)

        /// An English sentence naming the standard.
        public var message: String {
            switch self {
            case .missing: "a unified social credit code is required (18 characters, \(CreditCodeCheck.standard))"
            case .wrongLength(let n):
                "wrong length: a unified social credit code has 18 characters, got \(n) (\(CreditCodeCheck.standard))"
            case .invalidCharacter(let position, let c):
                "character \(position) is '\(c)': only digits and the letters ABCDEFGHJKLMNPQRTUWXY are allowed (\(CreditCodeCheck.standard))"
            case .wrongCheckCharacter(let expected, let found):
                "wrong check character: expected '\(expected)', got '\(found)' (\(CreditCodeCheck.standard), MOD 31)"
            }
        }
    }

    /// Nil when `code` is a valid code; otherwise the first problem found.
    public static func problem(in code: String) -> Problem? {
        let chars = Array(code)
        guard !chars.isEmpty else { return .missing }
        guard chars.count == 18 else { return .wrongLength(chars.count) }
        for (index, c) in chars.enumerated() where CheckDigits.CreditCode.value(of: c) == nil {
            return .invalidCharacter(position: index + 1, c)
        }
        // Every character is in the alphabet here, so there is a check character.
        let expected = CheckDigits.CreditCode.checkCharacter(forFirst17: String(chars.prefix(17))) ?? "0"
        return CheckDigits.CreditCode.upper(chars[17]) == expected
            ? nil : .wrongCheckCharacter(expected: expected, found: chars[17])
    }
}
