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
        // An institution reports only for its own offerings (InstitutionCallerCheck).
        service + "ReportEmployment": ["hrss", "institution"],
        service + "Disburse": ["finance"],
        service + "GetProgress": ["*"],
        service + "ExportLedger": ["finance", "hrss"],
    ])
}
