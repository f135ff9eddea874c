import Schema

/// Which caller roles see personal data (resident ID numbers, phone numbers) in full; everyone else
/// gets them masked — in Get/List results and in logs (issue 4, "Personal data is protected").
///
/// The set is data: `dezhouDefault` lists the departments that work with individual workers and
/// the platform's own services; a deployment may build another one.
public struct PersonalDataMasking: Sendable, Hashable {
    /// Roles (certificate OU) that see ID numbers and phones in full.
    public var rolesSeeingPersonalData: Set<String>

    public init(rolesSeeingPersonalData: Set<String>) {
        self.rolesSeeingPersonalData = rolesSeeingPersonalData
    }

    /// Departments that handle individual cases, and the platform services (which need the real
    /// values to match, pay and certify). `worker-portal`, `institution`, `enterprise`, `finance`,
    /// `education`, `assessment-org` and unknown roles see masked values.
    public static let dezhouDefault = PersonalDataMasking(rolesSeeingPersonalData: [
        "hrss", "social-insurance", "civil-affairs", "poverty-office", "justice", "veterans",
        "registration", "matching", "payment", "assessment",
    ])

    /// Whether `role` sees personal data in full.
    public func maySeePersonalData(role: String) -> Bool {
        rolesSeeingPersonalData.contains(role)
    }

    /// The worker as `role` may see it: `id_number` and `phone` masked unless the role may see them.
    public func apply(role: String, to worker: Worker) -> Worker {
        guard !maySeePersonalData(role: role) else { return worker }
        var masked = worker
        masked.idNumber = Self.maskIDNumber(worker.idNumber)
        masked.phone = Self.maskPhone(worker.phone)
        return masked
    }

    /// The teacher as `role` may see it: `id_number` and `phone` masked unless the role may see them.
    public func apply(role: String, to teacher: Teacher) -> Teacher {
        guard !maySeePersonalData(role: role) else { return teacher }
        var masked = teacher
        masked.idNumber = Self.maskIDNumber(teacher.idNumber)
        masked.phone = Self.maskPhone(teacher.phone)
        return masked
    }

    /// First 4 and last 4 characters, the rest `*` (`3714**********123X`). Works on any string (also
    /// an invalid stored value): 8 characters or fewer are masked completely; empty stays empty.
    public static func maskIDNumber(_ value: String) -> String {
        maskKeepingEnds(value, leading: 4, trailing: 4)
    }

    /// Mobile `13812345678` -> `138****5678`; landline `0534-1234567` -> `0534-***4567`. Other
    /// strings keep their first 3 and last 4 characters (fully masked when 7 or fewer); empty stays
    /// empty.
    public static func maskPhone(_ value: String) -> String {
        if let hyphen = value.firstIndex(of: "-") {
            let area = value[..<hyphen]
            let local = value[value.index(after: hyphen)...]
            return String(area) + "-" + maskKeepingEnds(String(local), leading: 0, trailing: 4)
        }
        if value.first == "0", value.count >= 10 {
            let areaLength = value.dropFirst().first.map { $0 == "1" || $0 == "2" } == true ? 3 : 4
            return maskKeepingEnds(value, leading: areaLength, trailing: 4)
        }
        return maskKeepingEnds(value, leading: 3, trailing: 4)
    }

    /// Keeps `leading` and `trailing` characters and replaces the rest by `*`; when nothing would
    /// be hidden, every character is replaced.
    public static func maskKeepingEnds(_ value: String, leading: Int, trailing: Int) -> String {
        let chars = Array(value)
        guard chars.count > leading + trailing else {
            return String(repeating: "*", count: chars.count)
        }
        return String(chars.prefix(leading))
            + String(repeating: "*", count: chars.count - leading - trailing)
            + String(chars.suffix(trailing))
    }
}
