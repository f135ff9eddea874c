import Schema
import Synchronization

/// What the platform acknowledged to a replay: the claims it decided, the tranches it paid, the
/// employment reports it took, and the journeys that failed. The reconciliation compares the
/// ledger with this record ("no lost acknowledged write, no payment nobody asked for").
public final class ReplayRecord: Sendable {
    /// A decided claim as RequestPayment acknowledged it.
    public struct AcknowledgedClaim: Sendable, Hashable {
        public let trainingIndex: Int
        public let claimID: String
        public let eligible: Bool
        public let refusingRuleIDs: [String]
    }

    /// A training whose acknowledged decision is not the planned one.
    public struct UnexpectedDecision: Sendable, Hashable {
        public let trainingIndex: Int
        public let expected: PlannedDecision
        public let eligible: Bool
        public let refusingRuleIDs: [String]
    }

    struct State {
        var claims: [String: AcknowledgedClaim] = [:]
        var disbursed: [String: LedgerEntry] = [:]
        var reports: [String: ReportEmploymentResponse] = [:]
        var failures: [Int: String] = [:]
        var unexpected: [UnexpectedDecision] = []
        var completed = 0
    }

    private let state = Mutex(State())

    public init() {}

    func claimDecided(_ claim: AcknowledgedClaim, expected: PlannedDecision) {
        state.withLock { state in
            state.claims[claim.claimID] = claim
            let matches: Bool
            switch expected {
            case .eligible: matches = claim.eligible
            case .refused(let rule): matches = !claim.eligible && claim.refusingRuleIDs.contains(rule)
            }
            if !matches {
                state.unexpected.append(
                    UnexpectedDecision(
                        trainingIndex: claim.trainingIndex, expected: expected,
                        eligible: claim.eligible, refusingRuleIDs: claim.refusingRuleIDs))
            }
        }
    }

    func disbursed(_ entry: LedgerEntry) { state.withLock { $0.disbursed[entry.trancheId] = entry } }
    func reported(_ response: ReportEmploymentResponse) {
        state.withLock { $0.reports[response.offeringId] = response }
    }
    func failed(training: Int, _ error: any Error) { state.withLock { $0.failures[training] = "\(error)" } }
    func completed() { state.withLock { $0.completed += 1 } }

    public var claims: [String: AcknowledgedClaim] { state.withLock { $0.claims } }
    /// Acknowledged Disburse answers, by tranche id.
    public var disbursements: [String: LedgerEntry] { state.withLock { $0.disbursed } }
    /// Acknowledged ReportEmployment answers, by offering id.
    public var employmentReports: [String: ReportEmploymentResponse] { state.withLock { $0.reports } }
    /// Journeys that gave up, by training index, with the last error.
    public var failures: [Int: String] { state.withLock { $0.failures } }
    public var unexpectedDecisions: [UnexpectedDecision] { state.withLock { $0.unexpected } }
    public var completedTrainings: Int { state.withLock { $0.completed } }
}
