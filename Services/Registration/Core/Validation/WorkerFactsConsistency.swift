import Schema

/// Facts a worker request may not claim by itself, and the one source of truth for rural/urban.
///
/// - `CategoryFact.attested` comes from the caller's certificate role (`AttestationTable.attest`).
///   A request that sets it where the caller's role may not attest the fact, and no stored
///   attestation of the same fact carries over, would be silently dropped; it is refused instead.
/// - `Worker.hukou` is authoritative for rural or urban (R9 for G6). The deprecated
///   `CategoryFact.rural` is filled from it on G6 facts; a request whose G6 fact says rural while
///   the hukou is urban is refused (a false `rural` cannot be told apart from "not given").
public enum WorkerFactsConsistency {
    /// INVALID_ARGUMENT problems for `attested = true` the caller cannot back, one per fact.
    public static func unbackedAttestations(
        _ facts: [CategoryFact], callerRole: String, previous: [CategoryFact], table: AttestationTable, field: String
    ) -> [ValidationError] {
        var problems: [ValidationError] = []
        for (index, fact) in facts.enumerated() where fact.attested && !table.mayAttest(role: callerRole, fact: fact) {
            if let stored = previous.first(where: { $0.category == fact.category }), stored.attested,
                AttestationTable.sameDetails(stored, fact)
            {
                continue
            }
            let label = categoryLabel(fact.category)
            let roles = table.roles(attesting: .category(fact.category))
            let who =
                roles.isEmpty
                ? "no department attests \(label)" : "\(label) is attested by \(roles.joined(separator: ", "))"
            problems.append(
                ValidationError(
                    field: "\(field)[\(index)].attested", code: .inconsistent,
                    message:
                        "role '\(callerRole)' cannot attest \(label) (\(who)); attestation comes from the attesting department's "
                        + "certificate, so send attested = false to record a self-declaration"))
        }
        return problems
    }

    /// INVALID_ARGUMENT problems for G6 facts whose `rural` contradicts `hukou` (unset hukou: none).
    public static func ruralContradictions(_ facts: [CategoryFact], hukou: Hukou, field: String) -> [ValidationError] {
        guard hukou == .urban else { return [] }
        return facts.enumerated().compactMap { index, fact in
            guard fact.category == .g6TwoAfterYouth, fact.rural else { return nil }
            return ValidationError(
                field: "\(field)[\(index)].rural", code: .inconsistent,
                message:
                    "G6 rural is true but worker.hukou is HUKOU_URBAN; worker.hukou is the one source of truth (rural is "
                    + "deprecated): leave rural unset, and an urban youth qualifies for R9 through low_income_family")
        }
    }

    /// The facts as stored: every G6 fact's deprecated `rural` mirrors `hukou`.
    public static func mirrorHukou(_ facts: [CategoryFact], hukou: Hukou) -> [CategoryFact] {
        facts.map { fact in
            guard fact.category == .g6TwoAfterYouth else { return fact }
            var mirrored = fact
            mirrored.rural = hukou == .rural
            return mirrored
        }
    }
}
