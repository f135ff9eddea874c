import Schema
import Workload

/// The demo's closing text on standard output: who trained in what, each claim's decision (paid
/// to whom, or refused by which rules), the ledger, T1, and commands to look further.
struct DemoSummary {
    let cast: DemoCast
    let results: DemoRun.Results
    let seed: UInt64
    let requestPrefix: String
    /// How this skillsctl was invoked, for the suggested commands.
    let command: String

    var population: Population { cast.population }

    var text: String {
        var lines = [
            "",
            Style.paint("Five-order demo", "1")
                + " (seed \(seed), request ids \(requestPrefix)-*; run it again and the platform "
                + "answers each request with its first result): \(cast.members.count) workers, \(cast.trainings.count) trainings",
            "",
        ]
        for member in cast.members {
            let worker = population.workers[member.workerIndex]
            lines.append(
                "  \(Style.paint(worker.worker.name, "1"))  \(member.label), registered by \(worker.registeringRole)")
            for index in member.trainings {
                lines += trainingLines(index)
            }
        }
        for cohort in results.cohorts {
            let offering = population.offerings[cohort.offeringIndex]
            let rate = cohort.report.employmentRateBp
            lines.append(
                "  project-based \(offering.occupation.name) cohort: employment \(cohort.report.employed)/\(cohort.report.trained) "
                    + "(\(rate / 100).\(rate % 100 / 10)%) proposed by \(cohort.report.proposedBy), confirmed by \(cohort.report.confirmedBy), threshold \(cohort.report.thresholdMet ? "met" : "not met"), "
                    + "\(cohort.disbursed.count) held tranche(s) released and paid (R7)")
        }
        let demand = results.demand
        var creditCode = ""
        if case .enterpriseCreditCode(let code) = demand.requester { creditCode = code }
        let enterpriseName = population.enterprises.first { $0.creditCode == creditCode }?.name ?? creditCode
        lines += [
            "",
            "Enterprise demand (O1): \(enterpriseName) asked for \(demand.headcount) places in "
                + "\(demand.occupation?.name ?? "?") level \(demand.level.rawValue)",
        ]

        let claimIDs = Set(results.trainings.values.map(\.outcome.claimID))
        let ours = results.ledger.filter { claimIDs.contains($0.claimId) }
        lines.append(
            "Ledger: \(results.ledger.count) entries, \(Money.yuan(results.ledger.reduce(0) { $0 + $1.amountFen })) paid from the "
                + "special fund (this demo's claims: \(ours.count) entries, \(Money.yuan(ours.reduce(0) { $0 + $1.amountFen })))"
        )
        let progress = results.progress
        let permille = progress.target > 0 ? progress.total * 1000 / progress.target : 0
        lines.append(
            "T1: \(progress.total) of \(progress.target) subsidised trainings (\(permille / 10).\(permille % 10)%), "
                + "paid \(Money.yuan(progress.paidFen)), held \(Money.yuan(progress.heldFen))")

        let claim = results.trainings.values.sorted { $0.trainingIndex < $1.trainingIndex }.first {
            !$0.outcome.claimID.isEmpty
        }?.claim
        lines += [
            "", "Where to look next:",
            "  \(command) progress                         T1 by year, category, industry, institution",
            "  \(command) progress --chart t1.svg          ... drawn as a chart",
            "  \(command) progress --csv > t1.csv          ... as CSV for the bureau's reports",
            "  \(command) ledger export --csv --role finance",
            "  \(command) call payment GetClaim --role finance --json '{\"claimId\": \"\(claim?.id ?? "...")\"}'",
            "  \(command) call registration GetWorker --json '{\"workerId\": \"\(claim?.workerId ?? "...")\"}'",
            "  \(command) replay --trainings 2000            the whole programme, reconciled", "",
        ]
        return lines.joined(separator: "\n")
    }

    func trainingLines(_ index: Int) -> [String] {
        let training = population.trainings[index]
        let offering = population.offerings[training.offeringIndex]
        let institution = population.institutions[offering.institutionIndex].institution.name
        var lines = [
            "      \(offering.occupation.name) (\(offering.occupation.code)) level \(offering.level), \(kindLabel(offering.kind)) at "
                + "\(institution), \(offering.start)..\(training.completion)"
        ]
        guard let result = results.trainings[index] else {
            lines.append("      " + Style.paint("not run", "31"))
            return lines
        }
        let outcome = result.outcome
        let decision = result.claim.decision
        lines.append("      certificate \(outcome.certificateNumber), claim \(outcome.claimID)")
        if outcome.eligible {
            let tranches = decision?.tranches ?? outcome.tranches
            let paid = tranches.filter { $0.state == .paid }.reduce(0) { $0 + $1.amountFen }
            let held = tranches.filter { $0.state == .held }.reduce(0) { $0 + $1.amountFen }
            var text = "paid \(Money.yuan(paid)) to \(payee(decision))"
            if held > 0 { text += ", \(Money.yuan(held)) held until the employment report (R7)" }
            if let allowance = decision?.livingAllowanceFen, allowance > 0 {
                text += ", living allowance \(Money.yuan(allowance)) (R9)"
            }
            lines.append("      " + Style.paint(text, "32"))
        } else {
            lines.append(
                "      " + Style.paint("refused: \(outcome.refusingRuleIDs.joined(separator: ", "))", "33")
                    + refusalReason(decision, rules: outcome.refusingRuleIDs))
        }
        return lines
    }

    func kindLabel(_ kind: OfferingKind) -> String {
        switch kind {
        case .projectBased: return "project-based"
        case .newHirePreJob: return "pre-job training for the employer"
        default: return "ordinary"
        }
    }

    func payee(_ decision: Decision?) -> String {
        guard let decision else { return "?" }
        switch decision.payeeKind {
        case .worker:
            let name = results.trainings.values.first { $0.claim.workerId == decision.payeeId }
                .map { population.workers[population.trainings[$0.trainingIndex].workerIndex].worker.name }
            return "the worker \(name ?? decision.payeeId)"
        case .enterprise:
            return
                "the enterprise \(population.enterprises.first { $0.creditCode == decision.payeeId }?.name ?? decision.payeeId)"
        case .institution:
            let name = results.published.institutionIDs.firstIndex(of: decision.payeeId).map {
                population.institutions[$0].institution.name
            }
            return "the institution \(name ?? decision.payeeId)"
        default:
            return decision.payeeId
        }
    }

    /// The English explanation of the first refusing rule, from the decision's trace.
    func refusalReason(_ decision: Decision?, rules: [String]) -> String {
        guard let line = decision?.trace.first(where: { rules.contains($0.ruleId) }), !line.en.isEmpty else {
            return ""
        }
        return " (\(line.en))"
    }
}
