// R6 Pre-job training (docs/POLICY.md): pre-job training of an enterprise's new hires (G2) is
// subsidised at the policy's share of the standard (100%) and paid to the enterprise. The payee and
// the fee regime are chosen with R8's (R8FreeTraining.swift).

/// R6: for a new hires' pre-job training, the worker must count as a new hire (G2) of the enterprise
/// that runs it; any other offering kind is not this rule's business.
enum R6PreJobTraining {
    static func check(_ facts: ClaimFacts) -> LineVerdict {
        let e = facts.enrollment
        guard e.offeringKind == .newHirePreJob else {
            return LineVerdict(
                line: TraceLine(
                    .r6, .notApplicable, zh: "R6: 非企业新录用职工岗前培训，不适用",
                    en: "R6: not a new hires' pre-job training; does not apply"))
        }
        let enterprise = e.enterpriseId ?? ""
        let employer = facts.worker.employerId
        if !facts.qualifying.contains(.g2) {
            return refusal(zh: "劳动者不是企业新录用职工（G2）", en: "the worker is not a new hire (G2)")
        }
        if employer != enterprise {
            return refusal(
                zh: "劳动者的录用企业\(employer ?? "（无）")不是举办岗前培训的企业\(enterprise)",
                en:
                    "the worker's employer \(employer ?? "(none)") is not enterprise \(enterprise) that runs the training"
            )
        }
        let share = facts.policy.share(e.offeringKind)
        return LineVerdict(
            line: TraceLine(
                .r6, .passed, zh: "R6: 企业新录用职工（G2）岗前培训，按补贴标准的\(share)%补贴企业\(enterprise)",
                en:
                    "R6: pre-job training of a new hire (G2): \(share)% of the standard, paid to enterprise \(enterprise)"
            ))
    }

    private static func refusal(zh: String, en: String) -> LineVerdict {
        LineVerdict(
            line: TraceLine(
                .r6, .refused, zh: "R6: 岗前培训补贴仅限本企业新录用职工：" + zh,
                en: "R6: pre-job training subsidies are for the enterprise's own new hires: " + en))
    }
}
