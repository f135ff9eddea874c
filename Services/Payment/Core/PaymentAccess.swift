import RPC

/// Which certificate roles may call which payment methods: claims come from hrss (through
/// matching's O5), disbursement is finance's, employment reports are hrss's and institutions'.
public enum PaymentAccess {
    static let service = "/skills.v1.PaymentService/"
    public static let table = AccessTable([
        service + "GetSubsidyStandard": ["*"],
        service + "SubmitClaim": ["hrss", "matching"],
        service + "GetClaim": ["hrss", "finance", "matching", "institution", "worker-portal", "assessment"],
        service + "ListClaims": ["hrss", "finance", "matching", "institution"],
        // R7: an institution proposes only for its own offerings (InstitutionCallerCheck); hrss
        // confirms with another certificate; social insurance attests contribution records.
        service + "ReportEmployment": ["hrss", "institution"],
        service + "ConfirmEmployment": ["hrss"],
        service + "GetEmploymentReport": ["hrss", "institution", "finance"],
        service + "AttestContribution": ["social-insurance"],
        service + "Disburse": ["finance"],
        service + "GetProgress": ["*"],
        service + "ExportLedger": ["finance", "hrss"],
    ])
}
