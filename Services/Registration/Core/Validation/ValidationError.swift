/// One problem with a request field, for an INVALID_ARGUMENT status.
///
/// `field` is the path of the offending field in proto (snake_case) names, e.g.
/// `worker.id_number` or `worker.categories[2].employer_credit_code`; `message` says what is wrong
/// and, where it helps, what was expected. `description` is `"<field>: <message>"`, e.g.
/// `worker.id_number: wrong check character: expected 'X', got '5' (GB 11643-1999)`.
public struct ValidationError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem it is (stable, for tests and metrics; the message is for people).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A required field is empty or absent.
        case missing
        /// A string is longer than allowed.
        case tooLong
        /// A fixed-length value has the wrong number of characters.
        case wrongLength
        /// A character outside the allowed alphabet (e.g. a letter in a resident ID number).
        case invalidCharacter
        /// The check character does not match the one computed from the other characters.
        case wrongCheckCharacter
        /// A date that does not exist (2019-02-29, month 13 ...).
        case impossibleDate
        /// A date after "today" where only past dates make sense (a birth date).
        case dateInFuture
        /// A date before the earliest one accepted (birth dates before 1900-01-01).
        case dateTooEarly
        /// A value whose shape is wrong (a phone number, a district code ...).
        case invalidFormat
        /// An enum number this version of the contract does not know.
        case unrecognizedValue
        /// An enum left at its `..._UNSPECIFIED` value where a value is required.
        case unspecifiedValue
        /// The same value appears twice in a list that must not repeat.
        case duplicate
        /// Fields that contradict each other (e.g. a detail set on a category it does not belong to).
        case inconsistent
    }

    /// Path of the offending field, proto names, e.g. `worker.categories[0].school`.
    public var field: String
    /// The kind of problem.
    public var code: Code
    /// What is wrong, for the integrator reading the status message.
    public var message: String

    public init(field: String, code: Code, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    /// `"<field>: <message>"`.
    public var description: String { "\(field): \(message)" }

    /// The same problem reported under another path (a validator for a value is written for a
    /// bare field name; the request validators prefix the message path).
    public func at(_ field: String) -> ValidationError {
        ValidationError(field: field, code: code, message: message)
    }

    /// Joins several problems into one status message: `"a: ...; b: ..."`.
    public static func joined(_ errors: [ValidationError]) -> String {
        errors.map(\.description).joined(separator: "; ")
    }
}
