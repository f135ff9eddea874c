import Schema

/// Which certificate kinds (docs/POLICY.md A2) an assessment method (A1, plus the special-operation and
/// training-completion exams) may lead to, and which kinds carry a level (A3).
///
/// | method                      | kind                          | level           |
/// |-----------------------------|-------------------------------|-----------------|
/// | skill appraisal             | occupational qualification    | required, 1..5  |
/// | level recognition           | skill level                   | required, 1..5  |
/// | special ability             | special vocational ability    | optional        |
/// | enterprise self-evaluation  | skill level                   | required, 1..5  |
/// | skills competition          | skill level                   | required, 1..5  |
/// | special-operation exam      | special-operation permit      | optional        |
/// | training completion         | training completion           | optional        |
///
/// Choices the policy leaves open, documented here:
/// - Enterprise self-evaluation: an enterprise recognised as an evaluation body issues skill level
///   certificates (职业技能等级证书) of its own, so it maps to skill level.
/// - Skills competition: winners are awarded or promoted a skill level (竞赛获奖晋升技能等级), recorded
///   as a skill level certificate; a competition never issues an occupational qualification.
/// - Level (A3): occupational qualification and skill level certificates are graded, so they need
///   level 1..5. Special vocational ability certificates and special-operation permits are not
///   graded, and a training completion certificate may or may not name the level of the training;
///   for these three the level is optional, but if given it must still be 1..5.
public enum MethodKindRules {
    /// The kinds `method` may lead to (empty for an unspecified or unknown method).
    public static func kinds(for method: AssessmentMethod) -> [CertificateKind] {
        switch method {
        case .skillAppraisal: return [.occupationalQualification]
        case .levelRecognition: return [.skillLevel]
        case .specialAbility: return [.specialVocationalAbility]
        case .enterpriseSelfEvaluation: return [.skillLevel]
        case .skillsCompetition: return [.skillLevel]
        case .specialOperationExam: return [.specialOperationPermit]
        case .trainingCompletion: return [.trainingCompletion]
        case .unspecified, .unrecognized: return []
        }
    }

    /// The kind to issue for `method` when the request names none.
    public static func defaultKind(for method: AssessmentMethod) -> CertificateKind? {
        kinds(for: method).first
    }

    /// Whether `kind` must carry a level 1..5 (A3).
    public static func requiresLevel(_ kind: CertificateKind) -> Bool {
        switch kind {
        case .occupationalQualification, .skillLevel: return true
        case .specialVocationalAbility, .specialOperationPermit, .trainingCompletion: return false
        case .unspecified, .unrecognized: return false
        }
    }

    /// Whether an assessment by `method` must name a level (its certificates are graded).
    public static func requiresLevel(_ method: AssessmentMethod) -> Bool {
        kinds(for: method).contains(where: requiresLevel)
    }

    /// A1: `method` is one of the known methods.
    public static func checkMethod(_ method: AssessmentMethod) throws(AssessmentRuleError) {
        guard !kinds(for: method).isEmpty else { throw .unknownMethod(method) }
    }

    /// A1 + A3, when an assessment is scheduled: a known method, and a level that fits it.
    public static func checkSchedule(method: AssessmentMethod, level: SkillLevel) throws(AssessmentRuleError) {
        try checkMethod(method)
        if level == .unspecified {
            guard !requiresLevel(method) else { throw .levelRequiredForMethod(method) }
        } else {
            guard isLevel1to5(level) else { throw .levelOutOfRange(level) }
        }
    }

    /// A1 + A2 + A3, when a certificate is issued: `kind` fits `method`, and `level` fits `kind`.
    public static func checkIssue(method: AssessmentMethod, kind: CertificateKind, level: SkillLevel)
        throws(AssessmentRuleError)
    {
        try checkMethod(method)
        switch kind {
        case .unspecified, .unrecognized: throw .unknownKind(kind)
        default: break
        }
        guard kinds(for: method).contains(kind) else {
            throw .kindDoesNotFitMethod(kind: kind, method: method, allowed: kinds(for: method))
        }
        try checkLevel(kind: kind, level: level)
    }

    /// A3: level 1..5 for graded kinds; optional (but 1..5 if given) for the others.
    public static func checkLevel(kind: CertificateKind, level: SkillLevel) throws(AssessmentRuleError) {
        if level == .unspecified {
            guard !requiresLevel(kind) else { throw .levelRequired(kind) }
        } else {
            guard isLevel1to5(level) else { throw .levelOutOfRange(level) }
        }
    }

    private static func isLevel1to5(_ level: SkillLevel) -> Bool {
        (1...5).contains(level.rawValue) && level.isRecognized
    }
}

/// A violation of docs/POLICY.md A1..A3; `rule` is the rule id, and `description` starts with it.
public enum AssessmentRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A1: the method is unspecified or unknown.
    case unknownMethod(AssessmentMethod)
    /// A2: the kind is unspecified or unknown.
    case unknownKind(CertificateKind)
    /// A2: the kind is not one the method leads to.
    case kindDoesNotFitMethod(kind: CertificateKind, method: AssessmentMethod, allowed: [CertificateKind])
    /// A3: a graded kind without a level.
    case levelRequired(CertificateKind)
    /// A3: an assessment by a method with graded certificates, without a level.
    case levelRequiredForMethod(AssessmentMethod)
    /// A3: a level outside 1..5.
    case levelOutOfRange(SkillLevel)

    /// The docs/POLICY.md rule id: "A1", "A2" or "A3".
    public var rule: String {
        switch self {
        case .unknownMethod: return "A1"
        case .unknownKind, .kindDoesNotFitMethod: return "A2"
        case .levelRequired, .levelRequiredForMethod, .levelOutOfRange: return "A3"
        }
    }

    public var description: String {
        switch self {
        case .unknownMethod(let method):
            return "A1: assessment method \(method.protoName) is not one of the assessment methods"
        case .unknownKind(let kind):
            return "A2: certificate kind \(kind.protoName) is not one of the certificate kinds"
        case .kindDoesNotFitMethod(let kind, let method, let allowed):
            return "A2: certificate kind \(kind.protoName) does not fit assessment method \(method.protoName)"
                + " (allowed: \(allowed.map(\.protoName).joined(separator: ", ")))"
        case .levelRequired(let kind):
            return "A3: certificate kind \(kind.protoName) needs a level 1..5"
        case .levelRequiredForMethod(let method):
            return "A3: assessment method \(method.protoName) needs a level 1..5"
        case .levelOutOfRange(let level):
            return "A3: level \(level.protoName) is not a level 1..5"
        }
    }
}
