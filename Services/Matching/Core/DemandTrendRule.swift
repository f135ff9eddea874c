import Essentials
import Schema

/// C3 demand trend: the headcount asked for in the recent period against the period before
/// (definition on `DemandTrend` in matching.proto).
enum DemandTrendRule {
    static let defaultPeriodDays = 90

    /// The two periods ending on `asOf`: recent is (recentStart, asOf], previous is (previousStart, recentStart],
    /// as `YYYY-MM-DD` bounds that compare as text.
    struct Periods: Sendable, Equatable {
        var previousStart: String
        var recentStart: String
        var asOf: String

        init(asOf: CivilDate, days: Int) {
            self.asOf = asOf.description
            recentStart = asOf.adding(days: -days).description
            previousStart = asOf.adding(days: -2 * days).description
        }
    }

    static func trend(recent: Int64, previous: Int64) -> DemandTrend {
        if previous == 0 { return recent > 0 ? .new : .steady }
        if recent * 10 >= previous * 11 { return .rising }
        if recent * 10 <= previous * 9 { return .falling }
        return .steady
    }
}
