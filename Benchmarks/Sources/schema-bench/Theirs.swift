// The baseline: swift-protobuf 1.39.0 with the code protoc-gen-swift generated (Generated/, generate.sh).
import SwiftProtobuf

enum Theirs {
    static func timestamp(_ t: TimestampData) -> Google_Protobuf_Timestamp {
        var v = Google_Protobuf_Timestamp()
        v.seconds = t.seconds
        v.nanos = t.nanos
        return v
    }
    static func date(_ d: DateData) -> Skills_V1_CalendarDate {
        var v = Skills_V1_CalendarDate()
        v.year = d.year
        v.month = d.month
        v.day = d.day
        return v
    }

    static func enrollment() -> Skills_V1_Enrollment {
        var e = Skills_V1_Enrollment()
        e.id = Fixture.enrollmentId
        e.workerID = Fixture.workerId
        e.offeringID = Fixture.offeringId
        e.institutionID = Fixture.institutionId
        e.state = Skills_V1_EnrollmentState(rawValue: Int(Fixture.enrollmentState))!
        e.learning = Fixture.learning.map {
            var l = Skills_V1_LearningTime()
            l.channel = Skills_V1_LearningChannel(rawValue: Int($0.channel))!
            l.minutes = $0.minutes
            return l
        }
        e.attendancePercent = Fixture.attendancePercent
        e.completionDate = date(Fixture.completionDate)
        e.certificateNumber = Fixture.certificateNumber
        e.claimID = Fixture.claimId
        e.selectedAt = timestamp(Fixture.selectedAt)
        e.acceptedAt = timestamp(Fixture.acceptedAt)
        e.completedAt = timestamp(Fixture.completedAt)
        e.reason = Fixture.reason
        e.version = Fixture.enrollmentVersion
        return e
    }

    static func claim() -> Skills_V1_Claim {
        var d = Skills_V1_Decision()
        d.eligible = Fixture.eligible
        d.refusingRuleIds = Fixture.refusingRuleIds
        d.amountFen = Fixture.amountFen
        d.payeeKind = Skills_V1_PayeeKind(rawValue: Int(Fixture.payeeKind))!
        d.payeeID = Fixture.payeeId
        d.tranches = Fixture.tranches.map {
            var t = Skills_V1_Tranche()
            t.id = $0.id
            t.index = $0.index
            t.amountFen = $0.amountFen
            t.state = Skills_V1_TrancheState(rawValue: Int($0.state))!
            t.condition = $0.condition
            if let paid = $0.paidAt { t.paidAt = timestamp(paid) }
            t.ledgerEntryID = $0.ledgerEntryId
            return t
        }
        d.livingAllowanceFen = Fixture.livingAllowanceFen
        d.policyVersion = Fixture.policyVersion
        d.trace = Fixture.trace.map {
            var l = Skills_V1_TraceLine()
            l.ruleID = $0.ruleId
            l.zh = $0.zh
            l.en = $0.en
            return l
        }
        d.standardFen = Fixture.standardFen
        d.subsidyYear = Fixture.subsidyYear

        var c = Skills_V1_Claim()
        c.id = Fixture.claimId
        c.enrollmentID = Fixture.enrollmentId
        c.workerID = Fixture.workerId
        c.offeringID = Fixture.offeringId
        c.institutionID = Fixture.institutionId
        c.certificateNumber = Fixture.certificateNumber
        var o = Skills_V1_Occupation()
        o.code = Fixture.occupationCode
        o.name = Fixture.occupationName
        c.occupation = o
        c.level = Skills_V1_SkillLevel(rawValue: Int(Fixture.level))!
        c.offeringKind = Skills_V1_OfferingKind(rawValue: Int(Fixture.offeringKind))!
        c.completionDate = date(Fixture.completionDate)
        c.decision = d
        c.submittedAt = timestamp(Fixture.submittedAt)
        c.submittedBy = Fixture.submittedBy
        return c
    }

    static func encode<M: SwiftProtobuf.Message>(_ m: M) throws -> [UInt8] { try m.serializedBytes() }
    static func decode<M: SwiftProtobuf.Message>(_: M.Type, _ bytes: [UInt8]) throws -> M {
        try M(serializedBytes: bytes)
    }
    static func equal<M: SwiftProtobuf.Message & Equatable>(_ a: M, _ b: M) -> Bool { a == b }
}
