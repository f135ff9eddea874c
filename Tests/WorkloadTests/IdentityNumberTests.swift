import Essentials
import Testing

@testable import Workload

/// The check characters themselves are Essentials' (EssentialsTests); these test what the replay makes.
@Suite struct IdentityNumberTests {
    @Test func madeResidentIDNumbersAreValidAndCarryTheBirthDate() {
        let number = ResidentIDNumbers.make(region: "371402", birth: CivilDate(1985, 3, 7), sequence: 42)
        #expect(number.count == 18)
        #expect(number.hasPrefix("37140219850307042"))
        #expect(CheckDigits.ResidentID.isValid(number))
    }

    @Test func madeCreditCodesAreValidAndDistinct() {
        let codes = (0..<2000).map { CreditCodes.make(serial: $0) }
        #expect(codes.allSatisfy { CheckDigits.CreditCode.isValid($0) })
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.hasPrefix("91371402") })
    }
}
