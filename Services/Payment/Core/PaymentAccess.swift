import RPC
import Schema
import ServiceKit

/// Which certificate roles may call which payment methods: claims come from hrss (through
/// matching's O5), disbursement is finance's, employment reports are hrss's and institutions'.
public enum PaymentAccess {
    private typealias Method = PaymentService.Method
    public static let table = AccessTable([
        Method.getSubsidyStandard.descriptor: .anyone,
        Method.submitClaim.descriptor: [.hrss, .matching],
        Method.getClaim.descriptor: [.hrss, .finance, .matching, .institution, .workerPortal, .assessment],
        Method.listClaims.descriptor: [.hrss, .finance, .matching, .institution],
        // R7: an institution proposes only for its own offerings (InstitutionCallerCheck); hrss
        // confirms with another certificate; social insurance attests contribution records.
        Method.reportEmployment.descriptor: [.hrss, .institution],
        Method.confirmEmployment.descriptor: [.hrss],
        Method.getEmploymentReport.descriptor: [.hrss, .institution, .finance],
        Method.attestContribution.descriptor: [.socialInsurance],
        Method.disburse.descriptor: [.finance],
        Method.getProgress.descriptor: .anyone,
        Method.exportLedger.descriptor: [.finance, .hrss],
    ])
}
