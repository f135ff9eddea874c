import Schema

/// A fact a department may confirm (inter-department attestation, issue 4).
public enum AttestableFact: Sendable, Hashable, CustomStringConvertible {
    /// The worker belongs to the category (G1..G17).
    case category(WorkerCategory)
    /// The family receives minimum living support (低保): `CategoryFact.low_income_family` (R9 for
    /// urban G6 youth).
    case lowIncomeSupport
    /// The worker draws (is entitled to) a monthly pension: `Worker.draws_monthly_pension` (R5).
    case monthlyPension

    public var description: String {
        switch self {
        case .category(let c): return categoryLabel(c)
        case .lowIncomeSupport: return "low-income support (低保)"
        case .monthlyPension: return "monthly pension (R5)"
        }
    }
}

/// Which department role may attest which fact. Data: `dezhouDefault` is the table issue 4 and the
/// policy's DECISIONS.md (F8) ask for; a deployment may build another one.
///
/// How the contract models attestation: `CategoryFact.attested` + `attested_by_role` /
/// `attested_by` / `attested_at` per category, and `Worker.pension_attested_by` /
/// `pension_attested_at` for the pension. There is no separate attestation of
/// `low_income_family`; it counts as attested when its category fact was attested by a role that
/// may attest low-income support (`isLowIncomeSupportAttested`). For that reason a role that may
/// attest low-income support (civil affairs) may also attest a **G6 fact that claims
/// low_income_family** — "G6 with low-income support" in issue 4 — besides the roles that may
/// attest G6 itself (education).
public struct AttestationTable: Sendable, Hashable {
    /// role (certificate OU) -> the facts it may attest.
    public var grants: [String: Set<AttestableFact>]
    /// The categories whose `low_income_family` a low-income-support role may attest along with
    /// the category (G6).
    public var lowIncomeSupportCategories: Set<WorkerCategory>

    public init(
        _ grants: [String: Set<AttestableFact>], lowIncomeSupportCategories: Set<WorkerCategory> = [.g6TwoAfterYouth]
    ) {
        self.grants = grants
        self.lowIncomeSupportCategories = lowIncomeSupportCategories
    }

    /// The Dezhou table:
    /// - `civil-affairs`: low-income support (and so a G6 fact with low-income support);
    /// - `poverty-office`: G4, G5;
    /// - `hrss` (public employment service): G2, G7, G8, G9, G10;
    /// - `social-insurance`: the monthly pension (R5), and G8 (it keeps the unemployment
    ///   registration, Deploy/certs/README.md);
    /// - `justice`: G11, G12; `veterans`: G14; `education`: G3, G6.
    /// Every category of the policy's `attestation.requiredFor` (G4–G12, G14) has a role. G1, G13,
    /// G15, G16, G17 have none: they stay self-declared, which the policy accepts for them.
    public static let dezhouDefault = AttestationTable([
        "civil-affairs": [.lowIncomeSupport],
        "poverty-office": [.category(.g4PoorFamilyChild), .category(.g5RegisteredPoor)],
        "hrss": [
            .category(.g2NewHire), .category(.g7RuralMigrant), .category(.g8Unemployed),
            .category(.g9PostChange), .category(.g10EmploymentDifficulty),
        ],
        "social-insurance": [.monthlyPension, .category(.g8Unemployed)],
        "justice": [.category(.g11PreRelease), .category(.g12CommunityCorrection)],
        "veterans": [.category(.g14Veteran)],
        "education": [.category(.g3Student), .category(.g6TwoAfterYouth)],
    ])

    /// Whether `role` may attest that a worker belongs to `category`.
    public func mayAttest(role: String, category: WorkerCategory) -> Bool {
        grants[role]?.contains(.category(category)) ?? false
    }

    /// Whether `role` may attest low-income support (低保).
    public func mayAttestLowIncomeSupport(role: String) -> Bool {
        grants[role]?.contains(.lowIncomeSupport) ?? false
    }

    /// Whether `role` may attest the monthly-pension fact (R5).
    public func mayAttestMonthlyPension(role: String) -> Bool {
        grants[role]?.contains(.monthlyPension) ?? false
    }

    /// Whether `role` may attest this category fact: its category, or (for G6) a fact claiming
    /// low-income support when the role may attest that.
    public func mayAttest(role: String, fact: CategoryFact) -> Bool {
        if mayAttest(role: role, category: fact.category) { return true }
        return fact.lowIncomeFamily
            && lowIncomeSupportCategories.contains(fact.category)
            && mayAttestLowIncomeSupport(role: role)
    }

    /// The roles that may attest `fact`, sorted (for messages: "G8 is attested by hrss, social-insurance").
    public func roles(attesting fact: AttestableFact) -> [String] {
        grants.filter { $0.value.contains(fact) }.map(\.key).sorted()
    }

    /// The submitted facts as the service stores them: a fact the caller may attest becomes
    /// `attested = true` with `attested_by_role = callerRole`, `attested_by = callerIdentity`,
    /// `attested_at = at`; any other is a self-declaration: `attested = false` and the three
    /// attestation fields cleared, whatever the caller sent (attestation cannot be claimed, only
    /// earned by the caller's certificate role).
    ///
    /// `previous` (an update): a fact the caller may not attest keeps the attestation of the stored
    /// fact of the same category when every detail is unchanged, so e.g. the worker portal
    /// re-sending the list does not drop the departments' confirmations.
    public func attest(
        _ facts: [CategoryFact],
        callerRole: String,
        callerIdentity: String,
        at: Google_Protobuf_Timestamp?,
        previous: [CategoryFact] = []
    ) -> [CategoryFact] {
        facts.map { submitted in
            var fact = submitted
            if mayAttest(role: callerRole, fact: submitted) {
                fact.attested = true
                fact.attestedByRole = callerRole
                fact.attestedBy = callerIdentity
                fact.attestedAt = at
                return fact
            }
            if let stored = previous.first(where: { $0.category == submitted.category }),
                stored.attested, Self.sameDetails(stored, submitted)
            {
                fact.attested = true
                fact.attestedByRole = stored.attestedByRole
                fact.attestedBy = stored.attestedBy
                fact.attestedAt = stored.attestedAt
                return fact
            }
            fact.attested = false
            fact.attestedByRole = ""
            fact.attestedBy = ""
            fact.attestedAt = nil
            return fact
        }
    }

    /// The worker as the service stores it: categories through `attest(_:...)`, and the pension
    /// fact attested (`pension_attested_by` = caller identity, `pension_attested_at` = at) when the
    /// caller may attest it; otherwise those two are cleared (kept from `previous` when the flag is
    /// unchanged) and `draws_monthly_pension` stays as declared.
    public func attest(
        worker: Worker,
        callerRole: String,
        callerIdentity: String,
        at: Google_Protobuf_Timestamp?,
        previous: Worker? = nil
    ) -> Worker {
        var result = worker
        result.categories = attest(
            worker.categories, callerRole: callerRole, callerIdentity: callerIdentity, at: at,
            previous: previous?.categories ?? [])
        if mayAttestMonthlyPension(role: callerRole) {
            result.pensionAttestedBy = callerIdentity
            result.pensionAttestedAt = at
        } else if let previous, !previous.pensionAttestedBy.isEmpty,
            previous.drawsMonthlyPension == worker.drawsMonthlyPension
        {
            result.pensionAttestedBy = previous.pensionAttestedBy
            result.pensionAttestedAt = previous.pensionAttestedAt
        } else {
            result.pensionAttestedBy = ""
            result.pensionAttestedAt = nil
        }
        return result
    }

    /// Whether a stored fact's low-income support counts as attested (the policy's
    /// `WorkerFacts.lowIncomeSupportAttested`): the fact claims it, is attested, and the attesting
    /// role may attest low-income support.
    public func isLowIncomeSupportAttested(_ fact: CategoryFact) -> Bool {
        fact.lowIncomeFamily && fact.attested && mayAttestLowIncomeSupport(role: fact.attestedByRole)
    }

    /// Whether any of the worker's facts carries attested low-income support.
    public func isLowIncomeSupportAttested(_ worker: Worker) -> Bool {
        worker.categories.contains { isLowIncomeSupportAttested($0) }
    }

    /// Every field but the attestation ones is equal.
    static func sameDetails(_ a: CategoryFact, _ b: CategoryFact) -> Bool {
        var a = a, b = b
        a.attested = false
        a.attestedByRole = ""
        a.attestedBy = ""
        a.attestedAt = nil
        b.attested = false
        b.attestedByRole = ""
        b.attestedBy = ""
        b.attestedAt = nil
        return a == b
    }
}

/// `G8` for `.g8Unemployed`; the number for an unrecognized value.
public func categoryLabel(_ category: WorkerCategory) -> String {
    switch category {
    case .unspecified: return "WORKER_CATEGORY_UNSPECIFIED"
    case .unrecognized(let n): return "unknown category \(n)"
    default: return "G\(category.rawValue)"
    }
}
