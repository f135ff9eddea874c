import Essentials

/// The contract's `CalendarDate` (common.proto) and Essentials' `CivilDate`: the one conversion
/// every service and the replay use.
extension CivilDate {
    /// The date as the contract carries it.
    public var calendarDate: CalendarDate {
        CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day))
    }
}

extension CalendarDate {
    /// The date as given, not validated (`isValid` says whether it exists; all zero means "not set").
    public var civilDate: CivilDate { CivilDate(Int(year), Int(month), Int(day)) }

    /// Whether the date is set: all zero means not set (common.proto).
    public var isSet: Bool { year != 0 || month != 0 || day != 0 }
}
