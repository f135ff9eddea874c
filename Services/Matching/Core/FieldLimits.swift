/// Upper bounds on the strings the matching service stores, so that an oversized field is
/// `INVALID_ARGUMENT` naming it instead of a row nobody can display.
enum FieldLimits {
    /// Platform ids (workers, offerings, enrolments, activities) and request page tokens.
    static let id = 64
    /// Occupation codes, credit codes, district and industry codes, certificate numbers.
    static let code = 64
    /// Names, titles, venues, providers, schools.
    static let name = 200
    /// Notes and reasons.
    static let text = 2000

    /// Throws `INVALID_ARGUMENT` "<field>: at most <max> characters, got <n>".
    static func check(_ value: String, field: String, max: Int) throws {
        let count = value.count
        guard count <= max else {
            throw MatchingError.invalid(field: field, message: "at most \(max) characters, got \(count)")
        }
    }
}
