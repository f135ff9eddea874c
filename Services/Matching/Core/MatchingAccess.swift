import RPC
import Schema
import ServiceKit

/// Which certificate roles may call which matching methods (docs/DESIGN.md: identity is the TLS client
/// certificate; its OU names the role).
public enum MatchingAccess {
    private typealias Method = MatchingService.Method
    /// Everyone who follows the programme's figures and enrolments.
    static let readers: Set<Role> = [
        .hrss, .workerPortal, .institution, .enterprise, .finance, .education,
        .payment, .assessment, .assessmentOrg, .matching, .registration,
    ]

    public static let table = AccessTable([
        // O1: a worker (through the portal) or an enterprise; hrss may enter one on their behalf.
        Method.submitDemand.descriptor: [.workerPortal, .enterprise, .hrss],
        Method.listDemands.descriptor: .only(readers),
        // C1, C2: published and adjusted by hrss.
        Method.publishCatalogEntry.descriptor: [.hrss],
        Method.listCatalog.descriptor: .anyone,
        // O2: the government lists the offerings.
        Method.publishOffering.descriptor: [.hrss],
        Method.listOfferings.descriptor: .anyone,
        Method.getOffering.descriptor: .anyone,
        // O3: a worker selects (through the portal), or hrss on a worker's behalf.
        Method.selectOffering.descriptor: [.workerPortal, .hrss],
        // O4: the offering's institution (its certificate name is checked per call: InstitutionSystemsCheck).
        Method.acceptEnrollment.descriptor: [.institution],
        // Learning is recorded by the institution (offline) or the portal (PC, app, WeChat).
        Method.recordLearning.descriptor: [.institution, .workerPortal],
        Method.completeTraining.descriptor: [.institution],
        // O5: the government hands the completed enrolment to payment.
        Method.requestPayment.descriptor: [.hrss],
        // O5: payment reports a disbursement (CLAIMED -> PAID); nobody else may say money went out.
        Method.recordPayment.descriptor: [.payment],
        Method.getEnrollment.descriptor: .only(readers),
        Method.listEnrollments.descriptor: .only(readers),
        // S1: hrss and education (its own university's students) record all three parts, institutions
        // the trainings they deliver (the kind is checked per call); the university reads its list.
        Method.recordStudentActivity.descriptor: [.hrss, .education, .institution],
        Method.completeStudentActivity.descriptor: [.hrss, .education, .institution],
        Method.getStudentProgress.descriptor: [.hrss, .education, .workerPortal],
        Method.listStudentProgress.descriptor: [.hrss, .education],
        Method.exportStudentCredits.descriptor: [.hrss, .education],
    ])
}
