// Our schema module (`Schema`: Swift values, encoded and decoded through protobuf-c).
// Only this file imports `Schema`, so its `Google_Protobuf_Timestamp` does not meet SwiftProtobuf's.
import Schema

enum Ours {
    static func timestamp(_ t: TimestampData) -> Google_Protobuf_Timestamp {
        var v = Google_Protobuf_Timestamp()
        v.seconds = t.seconds
        v.nanos = t.nanos
        return v
    }
    static func date(_ d: DateData) -> CalendarDate { CalendarDate(year: d.year, month: d.month, day: d.day) }

    static func enrollment() -> Enrollment {
        var e = Enrollment()
        e.id = Fixture.enrollmentId
        e.workerId = Fixture.workerId
        e.offeringId = Fixture.offeringId
        e.institutionId = Fixture.institutionId
        e.state = EnrollmentState(rawValue: Fixture.enrollmentState)
        e.learning = Fixture.learning.map {
            LearningTime(channel: LearningChannel(rawValue: $0.channel), minutes: $0.minutes)
        }
        e.attendancePercent = Fixture.attendancePercent
        e.completionDate = date(Fixture.completionDate)
        e.certificateNumber = Fixture.certificateNumber
        e.claimId = Fixture.claimId
        e.selectedAt = timestamp(Fixture.selectedAt)
        e.acceptedAt = timestamp(Fixture.acceptedAt)
        e.completedAt = timestamp(Fixture.completedAt)
        e.reason = Fixture.reason
        e.version = Fixture.enrollmentVersion
        return e
    }

    static func claim() -> Claim {
        var d = Decision()
        d.eligible = Fixture.eligible
        d.refusingRuleIds = Fixture.refusingRuleIds
        d.amountFen = Fixture.amountFen
        d.payeeKind = PayeeKind(rawValue: Fixture.payeeKind)
        d.payeeId = Fixture.payeeId
        d.tranches = Fixture.tranches.map {
            Tranche(
                id: $0.id, index: $0.index, amountFen: $0.amountFen, state: TrancheState(rawValue: $0.state),
                condition: $0.condition, paidAt: $0.paidAt.map(timestamp), ledgerEntryId: $0.ledgerEntryId)
        }
        d.livingAllowanceFen = Fixture.livingAllowanceFen
        d.policyVersion = Fixture.policyVersion
        d.trace = Fixture.trace.map { TraceLine(ruleId: $0.ruleId, zh: $0.zh, en: $0.en) }
        d.standardFen = Fixture.standardFen
        d.subsidyYear = Fixture.subsidyYear

        var c = Claim()
        c.id = Fixture.claimId
        c.enrollmentId = Fixture.enrollmentId
        c.workerId = Fixture.workerId
        c.offeringId = Fixture.offeringId
        c.institutionId = Fixture.institutionId
        c.certificateNumber = Fixture.certificateNumber
        c.occupation = Occupation(code: Fixture.occupationCode, name: Fixture.occupationName)
        c.level = SkillLevel(rawValue: Fixture.level)
        c.offeringKind = OfferingKind(rawValue: Fixture.offeringKind)
        c.completionDate = date(Fixture.completionDate)
        c.decision = d
        c.submittedAt = timestamp(Fixture.submittedAt)
        c.submittedBy = Fixture.submittedBy
        return c
    }

    /// Encode / decode through the public `ProtoMessage` API (`serializedBytes()`, `init(serializedBytes:)`).
    static func encode<M: ProtoMessage>(_ m: M) -> [UInt8] { m.serializedBytes() }
    static func decode<M: ProtoMessage>(_: M.Type, _ bytes: [UInt8]) throws -> M { try M(serializedBytes: bytes) }
    static func equal<M: ProtoMessage>(_ a: M, _ b: M) -> Bool { a == b }
}
