// R2 Pay after the certificate (docs/POLICY.md, 先垫后补): a subsidy is paid only once the worker
// holds an A2 certificate obtained from that training.

/// R2: a verified, unrevoked certificate of an accepted kind, obtained from this training, for this
/// occupation, at the enrolled level or better when the kind carries a level.
enum R2Certificate {
    static func check(_ facts: ClaimFacts) -> LineVerdict {
        guard let c = facts.certificate else {
            return LineVerdict(
                line: TraceLine(
                    .r2, .refused, zh: "R2: 未取得本次培训的证书，先垫后补须取证后方可补贴",
                    en: "R2: no certificate from this training; the subsidy is paid only after one is obtained"))
        }
        var (zh, en) = problems(c, facts: facts)
        let level = levelProblem(c, facts: facts)
        zh += level.zh
        en += level.en
        guard zh.isEmpty else { return LineVerdict(line: .refusal(.r2, zh: zh, en: en)) }
        let lz = c.level.map { "，\(SkillLevel.titleZH($0))" } ?? ""
        let le = c.level.map { ", \(SkillLevel.titleEN($0))" } ?? ""
        return LineVerdict(
            line: TraceLine(
                .r2, .passed,
                zh: "R2: 已取得本次培训的\(c.kind.titleZH)\(c.certificateId)（已核验\(lz)），先垫后补",
                en:
                    "R2: verified \(c.kind.titleEN) \(c.certificateId) from this training\(le): pay first, reimburse after"
            ))
    }

    /// Kind, verification, revocation, origin and occupation, in that order.
    private static func problems(_ c: CertificateFacts, facts: ClaimFacts) -> (zh: [String], en: [String]) {
        var zh: [String] = []
        var en: [String] = []
        if !facts.policy.certificates.acceptedKinds.contains(c.kind) {
            zh.append("\(c.kind.titleZH)不是认可的证书种类")
            en.append("a \(c.kind.titleEN) is not an accepted kind")
        }
        if !c.verified {
            zh.append("证书\(c.certificateId)未经核验")
            en.append("certificate \(c.certificateId) is not verified")
        }
        if c.revoked {
            zh.append("证书\(c.certificateId)已被撤销")
            en.append("certificate \(c.certificateId) is revoked")
        }
        if !c.fromThisTraining {
            zh.append("证书\(c.certificateId)并非本次培训取得")
            en.append("certificate \(c.certificateId) was not obtained from this training")
        }
        let code = facts.enrollment.occupationCode
        if c.occupationCode != code {
            zh.append("证书职业\(c.occupationCode)与培训职业\(code)不符")
            en.append("certificate occupation \(c.occupationCode) differs from the training's \(code)")
        }
        return (zh, en)
    }

    /// The policy's `levelRule` for kinds that carry a level: "atOrAboveEnrolledLevel" (the default;
    /// 1 is the highest level), "sameAsEnrolledLevel" or "any".
    private static func levelProblem(_ c: CertificateFacts, facts: ClaimFacts) -> (zh: [String], en: [String]) {
        let rules = facts.policy.certificates
        guard rules.kindsWithLevel.contains(c.kind) else { return ([], []) }
        guard let cl = c.level else {
            return (["\(c.kind.titleZH)未载明等级"], ["the \(c.kind.titleEN) states no level"])
        }
        let ok: Bool
        switch rules.levelRule {
        case "sameAsEnrolledLevel": ok = cl == facts.level
        case "any": ok = true
        default: ok = cl <= facts.level
        }
        if ok { return ([], []) }
        return (
            ["证书等级\(SkillLevel.titleZH(cl))低于培训等级\(facts.levelZH)"],
            ["certificate \(SkillLevel.titleEN(cl)) is below the training's \(facts.levelEN)"]
        )
    }
}
