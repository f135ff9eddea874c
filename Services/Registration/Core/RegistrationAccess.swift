import RPC

/// Which certificate roles may call which registration methods (docs/DESIGN.md: identity is the TLS
/// client certificate; its OU names the role).
public enum RegistrationAccess {
    static let service = "/skills.v1.RegistrationService/"
    /// Departments that register and attest people.
    static let attestingDepartments: Set<String> = [
        "hrss", "civil-affairs", "poverty-office", "justice", "veterans",
        "education", "social-insurance",
    ]
    static let platformServices: Set<String> = ["matching", "payment", "assessment", "registration"]

    public static let table = AccessTable([
        service + "RegisterWorker": attestingDepartments.union(["worker-portal"]),
        service + "UpdateWorker": attestingDepartments.union(["worker-portal"]),
        service + "GetWorker": attestingDepartments.union(platformServices).union([
            "worker-portal", "institution", "finance", "assessment-org",
        ]),
        service + "ListWorkers": attestingDepartments.union(platformServices).union(["finance"]),
        service + "RegisterEnterprise": ["hrss", "enterprise"],
        service + "GetEnterprise": attestingDepartments.union(platformServices).union([
            "enterprise", "finance", "institution",
        ]),
        service + "RegisterInstitution": ["hrss", "institution", "education"],
        service + "ReviewInstitutionFiling": ["hrss"],
        // Which certificates act for an institution (O4) is the government's call, not the institution's.
        service + "SetInstitutionSystems": ["hrss"],
        service + "GetInstitution": attestingDepartments.union(platformServices).union([
            "institution", "finance", "worker-portal", "enterprise",
        ]),
        service + "ListInstitutions": attestingDepartments.union(platformServices).union([
            "institution", "finance", "worker-portal", "enterprise", "assessment-org",
        ]),
        service + "RegisterTeacher": ["hrss", "institution", "education"],
        service + "ListTeachers": attestingDepartments.union(platformServices).union(["institution", "worker-portal"]),
    ])
}
