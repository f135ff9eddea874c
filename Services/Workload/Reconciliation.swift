import Schema

/// The end-of-replay check of the special fund's ledger (ExportLedger) against the claims (ListClaims)
/// and against what the platform acknowledged to the replay. Ports Tests/Interop/reconcile.py and
/// adds the programme-level checks:
/// - ledger sequences run 1..n without gaps; no tranche paid twice; no entry id twice;
/// - every entry carries a policy version, rule ids with R11, the rules that decided it (its
///   tranche's decided_by), an enrolment and a certificate, and
///   pays a PAID tranche of an eligible decision of the same enrolment, certificate, policy,
///   amount and payee (the decision's payee; the R9 allowance, the last tranche, to the worker);
///   every PAID tranche has its entry; per payee the ledger sums equal the paid tranches;
/// - no worker has more eligible decisions in a year than R3 allows, or two for one occupation and
///   level (R4);
/// - a tranche is HELD exactly where the offering is project-based and its reported employment
///   rate is below the threshold (R7);
/// - every acknowledged Disburse is in the ledger with the same entry and amount, nothing else is,
///   and the totals agree; every acknowledged decision is listed unchanged; every training got the
///   planned decision; no journey failed.
public enum Reconciliation {
    public enum ProblemKind: String, Sendable, Hashable, CaseIterable {
        case claimListedTwice, tranchePaidTwice, entryIDTwice, sequenceGap, untraceableEntry, unknownClaim,
            refusedClaimPaid, entryDisagreesWithClaim, trancheNotMarkedPaid, paidTrancheWithoutEntry, payeeTotals,
            tranchesDoNotSum, tooManyInYear, sameOccupationAndLevelTwice, heldWhereNotExpected, notHeldWhereExpected,
            lostAcknowledgedPayment, unacknowledgedPayment, totalsDiffer, acknowledgedClaimMissing, decisionChanged,
            unexpectedDecision, journeyFailed
    }

    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public let kind: ProblemKind
        public let message: String
        public var description: String { "\(kind.rawValue): \(message)" }
    }

    /// What the replay was told, and the policy figures the checks use.
    public struct Expectations: Sendable {
        /// Acknowledged Disburse answers by tranche id.
        public var disbursements: [String: LedgerEntry]
        /// Acknowledged RequestPayment decisions by claim id.
        public var claims: [String: ReplayRecord.AcknowledgedClaim]
        /// Acknowledged employment rates (basis points) by offering id.
        public var employmentRates: [String: Int]
        public var unexpectedDecisions: [ReplayRecord.UnexpectedDecision]
        public var failures: [Int: String]
        public var maxTrainingsPerYear: Int
        public var employmentThresholdBasisPoints: Int
        /// True when the platform holds nothing but this replay (launched fresh): then every ledger
        /// entry and claim must be the replay's. Otherwise only the replay's claims and their
        /// entries are checked (sequences are always checked over the whole ledger).
        public var exclusive: Bool

        public init(
            disbursements: [String: LedgerEntry] = [:], claims: [String: ReplayRecord.AcknowledgedClaim] = [:],
            employmentRates: [String: Int] = [:], unexpectedDecisions: [ReplayRecord.UnexpectedDecision] = [],
            failures: [Int: String] = [:], maxTrainingsPerYear: Int = 3, employmentThresholdBasisPoints: Int = 8500,
            exclusive: Bool = true
        ) {
            self.disbursements = disbursements
            self.claims = claims
            self.employmentRates = employmentRates
            self.unexpectedDecisions = unexpectedDecisions
            self.failures = failures
            self.maxTrainingsPerYear = maxTrainingsPerYear
            self.employmentThresholdBasisPoints = employmentThresholdBasisPoints
            self.exclusive = exclusive
        }

        public init(
            record: ReplayRecord, maxTrainingsPerYear: Int, employmentThresholdBasisPoints: Int, exclusive: Bool = true
        ) {
            self.init(
                disbursements: record.disbursements, claims: record.claims,
                employmentRates: record.employmentReports.mapValues { Int($0.employmentRateBp) },
                unexpectedDecisions: record.unexpectedDecisions, failures: record.failures,
                maxTrainingsPerYear: maxTrainingsPerYear,
                employmentThresholdBasisPoints: employmentThresholdBasisPoints,
                exclusive: exclusive)
        }
    }

    /// The result: the problems found (none when consistent) and the figures.
    public struct Report: Sendable {
        public var problems: [Problem] = []
        public var ledgerEntries = 0
        public var paidFen: Int64 = 0
        public var heldFen: Int64 = 0
        public var heldTranches = 0
        public var claims = 0
        public var eligibleClaims = 0
        public var refusalsByRule: [String: Int] = [:]
        public var payees = 0
        public var acknowledgedFen: Int64 = 0

        public var isConsistent: Bool { problems.isEmpty }

        public func count(_ kind: ProblemKind) -> Int { problems.filter { $0.kind == kind }.count }

        /// One line: "reconciliation: OK ..." or "reconciliation: FAILED (n problems) ...".
        public var summary: String {
            let refusals = refusalsByRule.keys.sorted().map { "\($0) \(refusalsByRule[$0] ?? 0)" }.joined(
                separator: ", ")
            let figures =
                "\(ledgerEntries) ledger entries, \(paidFen) fen paid (acknowledged \(acknowledgedFen)), \(heldTranches) tranches held (\(heldFen) fen), "
                + "\(claims) claims (\(eligibleClaims) eligible; refused: \(refusals.isEmpty ? "none" : refusals)), \(payees) payees"
            return isConsistent
                ? "reconciliation: OK — \(figures)" : "reconciliation: FAILED (\(problems.count) problems) — \(figures)"
        }
    }

    /// Tranche id -> (payee kind, payee id), from the decision alone (see reconcile.py).
    static func tranchePayees(_ claim: Claim) -> [String: (PayeeKind, String)] {
        guard let decision = claim.decision else { return [:] }
        let tranches = decision.tranches.sorted { $0.index < $1.index }
        var payees: [String: (PayeeKind, String)] = [:]
        for tranche in tranches { payees[tranche.id] = (decision.payeeKind, decision.payeeId) }
        if decision.livingAllowanceFen > 0, let last = tranches.last { payees[last.id] = (.worker, claim.workerId) }
        return payees
    }

    struct PayeeKey: Hashable, Comparable, CustomStringConvertible {
        let kind: Int32
        let id: String
        static func < (a: PayeeKey, b: PayeeKey) -> Bool { (a.kind, a.id) < (b.kind, b.id) }
        var description: String { "(\(kind), \(id))" }
    }

    /// The whole ledger and every claim, from payment (finance role).
    public static func fetch(payment: PaymentServiceClient, retry: CallRetry) async throws -> (
        ledger: [LedgerEntry], claims: [Claim]
    ) {
        let ledger = try await retry.run("PaymentService/ExportLedger") {
            try await payment.exportLedger(ExportLedgerRequest(), options: CallOptions(timeout: .seconds(600))) {
                entries in
                var all: [LedgerEntry] = []
                for try await entry in entries { all.append(entry) }
                return all
            }
        }
        var claims: [Claim] = []
        var token = ""
        repeat {
            let pageToken = token
            let page = try await retry.run("PaymentService/ListClaims") {
                try await payment.listClaims(
                    ListClaimsRequest(pageSize: 1000, pageToken: pageToken),
                    options: CallOptions(timeout: .seconds(120)))
            }
            claims += page.claims
            token = page.nextPageToken
        } while !token.isEmpty
        return (ledger, claims)
    }
}
