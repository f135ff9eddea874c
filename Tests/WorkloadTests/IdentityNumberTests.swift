import Testing

@testable import Workload

@Suite struct IdentityNumberTests {
    @Test func residentIDCheckCharacterMatchesTheStandardExample() {
        // GB 11643-1999 appendix example: 11010519491231002X.
        #expect(ResidentIDNumbers.checkCharacter(first17: "11010519491231002") == "X")
        #expect(ResidentIDNumbers.isValid("11010519491231002X"))
        #expect(!ResidentIDNumbers.isValid("110105194912310021"))
        #expect(ResidentIDNumbers.checkCharacter(first17: "1101051949123100") == nil)
        #expect(ResidentIDNumbers.checkCharacter(first17: "1101051949123100A") == nil)
    }

    @Test func madeResidentIDNumbersAreValidAndCarryTheBirthDate() {
        let number = ResidentIDNumbers.make(region: "371402", birth: CivilDay(1985, 3, 7), sequence: 42)
        #expect(number.count == 18)
        #expect(number.hasPrefix("37140219850307042"))
        #expect(ResidentIDNumbers.isValid(number))
    }

    @Test func creditCodeCheckCharacterMatchesAKnownCode() {
        // A published unified social credit code (GB 32100-2015 MOD 31).
        #expect(CreditCodes.checkCharacter(first17: "91350100M000100Y4") == "3")
        #expect(CreditCodes.isValid("91350100M000100Y43"))
        #expect(!CreditCodes.isValid("91350100M000100Y44"))
        #expect(CreditCodes.checkCharacter(first17: "91350100M000100I4") == nil)
    }

    @Test func madeCreditCodesAreValidAndDistinct() {
        let codes = (0..<2000).map { CreditCodes.make(serial: $0) }
        #expect(codes.allSatisfy(CreditCodes.isValid))
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.hasPrefix("91371402") })
    }
}
