import RPC
import Schema
import ServiceKit

/// Which certificate roles may call which assessment methods. Certificates are issued only by
/// the assessment bodies (`assessment-org`); anyone verified may verify one (A4).
public enum AssessmentAccess {
    private typealias Method = AssessmentService.Method
    public static let table = AccessTable([
        Method.scheduleAssessment.descriptor: [.assessmentOrg, .hrss, .enterprise, .matching],
        Method.recordResult.descriptor: [.assessmentOrg, .enterprise],
        Method.issueCertificate.descriptor: [.assessmentOrg],
        Method.revokeCertificate.descriptor: [.assessmentOrg, .hrss],
        Method.getCertificate.descriptor: .anyone,
        Method.verifyCertificate.descriptor: .anyone,
        Method.listCertificates.descriptor: .anyone,
        Method.getSigningKey.descriptor: .anyone,
    ])
}
