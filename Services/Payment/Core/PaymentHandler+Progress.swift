import Policy
import Schema
import ServiceKit

// MARK: Progress (T1)

extension PaymentHandler {
    /// T1 by year, worker category, industry and institution, with names next to the codes and the
    /// money (paid, held, payable) on every row; each breakdown adds up to the totals
    /// (`ProgressReport`). `year` limits everything, totals included, to that subsidy year.
    public func getProgress(request: GetProgressRequest, context: ServerContext) async throws -> ProgrammeProgress {
        guard request.year >= 0 else {
            throw PaymentError.invalid(
                field: "year", message: "a year such as 2020, or 0 for the whole programme; got \(request.year)")
        }
        let groups = try await store.progressGroups(year: Int(request.year))
        let unnamed = Set(groups.lazy.filter(\.institutionName.isEmpty).map(\.institutionID))
        let report = ProgressReport(groups: groups, institutionNames: await institutionNames(unnamed.sorted()))
        let policy = book.versionFor(BusinessDay.today())
        let total = report.totals.trainings
        return ProgrammeProgress(
            target: Int64(SubsidyEngine.targetProgress(subsidisedTrainings: Int(total), policy: policy).target),
            total: total,
            byYear: report.byYear, byCategory: report.byCategory, byIndustry: report.byIndustry,
            byInstitution: report.byInstitution,
            paidFen: report.totals.paidFen, heldFen: report.totals.heldFen, asOf: Timestamps.timestamp(),
            payableFen: report.totals.payableFen)
    }

    /// Names, from registration, of institutions whose trainings were decided before payment
    /// recorded the name with the claim. The report is still given when registration cannot
    /// answer: such an institution is then labelled by its id and says the name is missing.
    private func institutionNames(_ ids: [String]) async -> [String: String] {
        let peers = environment.peers
        var names: [String: String] = [:]
        for id in ids {
            let request = GetInstitutionRequest(institutionId: id)
            if let institution = try? await peers.registration.getInstitution(request, options: peers.options),
                !institution.name.isEmpty
            {
                names[id] = institution.name
            }
        }
        return names
    }

    /// The GB/T 4754 industry registered for the enterprise the training is for: the employer of a
    /// new hire's pre-job training (the offering names it), else the employer a G1/G2 fact of the
    /// worker names. "" when there is no such enterprise or registration does not know it; the
    /// report then counts the training under its occupation's major group.
    func employerIndustry(offering: Offering, worker: Worker) async throws -> String {
        let employers = worker.categories.filter { !$0.employerCreditCode.isEmpty }
        let code =
            !offering.enterpriseCreditCode.isEmpty
            ? offering.enterpriseCreditCode
            : (employers.first(where: \.attested) ?? employers.first)?.employerCreditCode ?? ""
        guard !code.isEmpty else { return "" }
        if let known = published.industry(of: code) { return known }
        let peers = environment.peers
        do {
            let industry = try await peers.registration.getEnterprise(
                GetEnterpriseRequest(creditCode: code), options: peers.options
            ).industry
            published.remember(industry: industry, of: code)
            return industry
        } catch let error as RPCError where error.code == .notFound {
            return ""
        } catch let error as RPCError {
            throw PaymentError.peer(service: "registration", error)
        }
    }
}
