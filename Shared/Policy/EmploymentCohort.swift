/// R7: the employment of a project-based cohort, counted by the platform from per-trainee evidence
/// (DECISIONS.md R7). The cohort is the platform's (the workers whose enrolment of the offering is
/// completed), never a figure the payee reports; the rate is employed members / cohort size.

import Essentials

public enum EmploymentCohort {
    /// What one entry of a report offers as proof that the worker is employed.
    public enum Evidence: Sendable, Hashable {
        /// An employer's unified social credit code and the first day of work (`nil`: missing or
        /// not a calendar date).
        case employer(creditCode: String, startDate: CivilDate?)
        /// A social-insurance contribution record by its reference; `record` is the attested record
        /// with that reference, `nil` when the social-insurance role has attested none.
        case contribution(reference: String, record: AttestedContribution?)
    }

    /// A contribution record as the social-insurance role attested it.
    public struct AttestedContribution: Sendable, Hashable {
        public var workerId: String
        /// Any day of the month contributed for; only its year and month count.
        public var month: CivilDate

        public init(workerId: String, month: CivilDate) {
            self.workerId = workerId
            self.month = month
        }
    }

    /// One entry of a report: a worker said to be employed, with the evidence (`nil`: none given).
    public struct Entry: Sendable, Hashable {
        public var workerId: String
        public var evidence: Evidence?

        public init(workerId: String, evidence: Evidence?) {
            self.workerId = workerId
            self.evidence = evidence
        }
    }

    /// Why an entry is refused. `malformed` problems are the request's own (INVALID_ARGUMENT);
    /// the others depend on the platform's records (FAILED_PRECONDITION).
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var index: Int
        public var workerId: String
        public var malformed: Bool
        public var message: String

        /// "employed_trainees[3] (w-17): ..." — the field path and the worker, then the reason.
        public var description: String {
            "employed_trainees[\(index)]\(workerId.isEmpty ? "" : " (\(workerId))"): \(message)"
        }
    }

    /// Every problem of `entries` against `cohort` (worker id -> completion date), in entry order;
    /// empty when the report may be recorded. Dates must be on or after the worker's completion
    /// (a contribution month: not before the completion's month) and not after `today`.
    public static func problems(in entries: [Entry], cohort: [String: CivilDate], today: CivilDate) -> [Problem] {
        var problems: [Problem] = []
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            func refuse(_ message: String, malformed: Bool) {
                problems.append(Problem(index: index, workerId: entry.workerId, malformed: malformed, message: message))
            }
            guard !entry.workerId.isEmpty else {
                refuse("worker_id is required", malformed: true)
                continue
            }
            guard seen.insert(entry.workerId).inserted else {
                refuse("worker \(entry.workerId) is listed more than once", malformed: true)
                continue
            }
            guard let evidence = entry.evidence else {
                refuse(
                    "evidence is required: an employer (credit code and start date) or an attested contribution record",
                    malformed: true)
                continue
            }
            guard let completion = cohort[entry.workerId] else {
                refuse(
                    "worker \(entry.workerId) is not in the offering's cohort (no completed enrolment of it)",
                    malformed: false)
                continue
            }
            if let problem = problem(with: evidence, workerId: entry.workerId, completion: completion, today: today) {
                refuse(problem.message, malformed: problem.malformed)
            }
        }
        return problems
    }

    private static func problem(
        with evidence: Evidence, workerId: String, completion: CivilDate,
        today: CivilDate
    ) -> (message: String, malformed: Bool)? {
        switch evidence {
        case .employer(let creditCode, let startDate):
            if let problem = CreditCodeCheck.problem(in: creditCode) {
                return ("employer.credit_code: \(problem.message)", true)
            }
            guard let start = startDate else { return ("employer.start_date: required, a calendar date", true) }
            if start < completion {
                return ("employer.start_date \(start) is before the worker's completion date \(completion)", true)
            }
            if start > today { return ("employer.start_date \(start) is in the future (today is \(today))", true) }
            return nil
        case .contribution(let reference, let record):
            guard !reference.isEmpty else { return ("contribution.record_reference: required", true) }
            guard let record else {
                return (
                    "contribution record \(reference) is not attested by the social-insurance role (AttestContribution)",
                    false
                )
            }
            guard record.workerId == workerId else {
                return ("contribution record \(reference) is attested for another worker", false)
            }
            let month = record.month.year * 12 + record.month.month
            if month < completion.year * 12 + completion.month {
                return (
                    "contribution record \(reference) is for \(record.month.monthText), before the worker's completion date \(completion)",
                    false
                )
            }
            if month > today.year * 12 + today.month {
                return (
                    "contribution record \(reference) is for \(record.month.monthText), in the future (today is \(today))",
                    false
                )
            }
            return nil
        }
    }

    /// The rate of a cohort as the policy counts it: `employed` members of `cohortSize`, released
    /// at or above the policy's threshold (85 %). A cohort of 0 releases nothing (input problem).
    public static func release(employed: Int, cohortSize: Int, policy: PolicyData) -> TrancheRelease {
        SubsidyEngine.releaseHeldTranche(
            employment: EmploymentReport(offeringId: "", trained: cohortSize, employed: employed),
            policy: policy)
    }
}
