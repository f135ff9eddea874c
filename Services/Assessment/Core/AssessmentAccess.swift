import RPC

/// Which certificate roles may call which assessment methods. Certificates are issued only by
/// the assessment bodies (`assessment-org`); anyone verified may verify one (A4).
public enum AssessmentAccess {
    static let service = "/skills.v1.AssessmentService/"
    public static let table = AccessTable([
        service + "ScheduleAssessment": ["assessment-org", "hrss", "enterprise", "matching"],
        service + "RecordResult": ["assessment-org", "enterprise"],
        service + "IssueCertificate": ["assessment-org"],
        service + "RevokeCertificate": ["assessment-org", "hrss"],
        service + "GetCertificate": ["*"],
        service + "VerifyCertificate": ["*"],
        service + "ListCertificates": ["*"],
        service + "GetSigningKey": ["*"],
    ])
}
