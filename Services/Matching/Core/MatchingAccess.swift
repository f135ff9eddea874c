import RPC

/// Which certificate roles may call which matching methods (docs/DESIGN.md: identity is the TLS client
/// certificate; its OU names the role).
public enum MatchingAccess {
    static let service = "/skills.v1.MatchingService/"
    /// Everyone who follows the programme's figures and enrolments.
    static let readers: Set<String> = [
        "hrss", "worker-portal", "institution", "enterprise", "finance", "education",
        "payment", "assessment", "assessment-org", "matching", "registration",
    ]

    public static let table = AccessTable([
        // O1: a worker (through the portal) or an enterprise; hrss may enter one on their behalf.
        service + "SubmitDemand": ["worker-portal", "enterprise", "hrss"],
        service + "ListDemands": readers,
        // C1, C2: published and adjusted by hrss.
        service + "PublishCatalogEntry": ["hrss"],
        service + "ListCatalog": ["*"],
        // O2: the government lists the offerings.
        service + "PublishOffering": ["hrss"],
        service + "ListOfferings": ["*"],
        service + "GetOffering": ["*"],
        // O3: a worker selects (through the portal), or hrss on a worker's behalf.
        service + "SelectOffering": ["worker-portal", "hrss"],
        // O4: the offering's institution (its certificate name is checked per call: InstitutionSystemsCheck).
        service + "AcceptEnrollment": ["institution"],
        // Learning is recorded by the institution (offline) or the portal (PC, app, WeChat).
        service + "RecordLearning": ["institution", "worker-portal"],
        service + "CompleteTraining": ["institution"],
        // O5: the government hands the completed enrolment to payment.
        service + "RequestPayment": ["hrss"],
        // O5: payment reports a disbursement (CLAIMED -> PAID); nobody else may say money went out.
        service + "RecordPayment": ["payment"],
        service + "GetEnrollment": readers,
        service + "ListEnrollments": readers,
        // S1: hrss and education (its own university's students) record all three parts, institutions
        // the trainings they deliver (the kind is checked per call); the university reads its list.
        service + "RecordStudentActivity": ["hrss", "education", "institution"],
        service + "CompleteStudentActivity": ["hrss", "education", "institution"],
        service + "GetStudentProgress": ["hrss", "education", "worker-portal"],
        service + "ListStudentProgress": ["hrss", "education"],
        service + "ExportStudentCredits": ["hrss", "education"],
    ])
}
