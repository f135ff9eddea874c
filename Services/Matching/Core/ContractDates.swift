import Essentials
import Schema

extension CivilDate {
    /// A date of a request or record that matching accepts: set, existing, and in years
    /// 1900...2200; nil otherwise (all zero means "not set", common.proto).
    init?(_ date: CalendarDate?) {
        guard let date = date?.civilDate, (1900...2200).contains(date.year), date.isValid else { return nil }
        self = date
    }
}
