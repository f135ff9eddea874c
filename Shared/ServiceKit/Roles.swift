import Schema

/// The platform's roles: the OU its certificates carry (Deploy/certs/make-dev-certs.sh issues one
/// of each for development).
extension Role {
    // Government departments.
    /// Human resources and social security: runs the programme.
    public static let hrss: Role = "hrss"
    public static let finance: Role = "finance"
    public static let civilAffairs: Role = "civil-affairs"
    public static let povertyOffice: Role = "poverty-office"
    public static let justice: Role = "justice"
    public static let veterans: Role = "veterans"
    public static let education: Role = "education"
    public static let socialInsurance: Role = "social-insurance"

    // The parties.
    /// The worker-facing portal (PC, app, WeChat), acting for a worker.
    public static let workerPortal: Role = "worker-portal"
    public static let enterprise: Role = "enterprise"
    public static let institution: Role = "institution"
    public static let assessmentOrg: Role = "assessment-org"

    // The platform's own services, calling each other.
    public static let registration: Role = "registration"
    public static let matching: Role = "matching"
    public static let assessment: Role = "assessment"
    public static let payment: Role = "payment"

    /// The departments that register and attest people.
    public static let attestingDepartments: Set<Role> = [
        .hrss, .civilAffairs, .povertyOffice, .justice, .veterans, .education, .socialInsurance,
    ]

    /// The four services.
    public static let platformServices: Set<Role> = [.registration, .matching, .assessment, .payment]
}
