import Essentials
import Schema
import XCTest

@testable import RegistrationCore

final class AttestationTableTests: XCTestCase {
    let table = AttestationTable.dezhouDefault
    let now = Google_Protobuf_Timestamp(seconds: 1_592_200_000, nanos: 0)

    func testWhoMayAttestWhat() {
        let expected: [String: Set<WorkerCategory>] = [
            "poverty-office": [.g4PoorFamilyChild, .g5RegisteredPoor],
            "hrss": [.g2NewHire, .g7RuralMigrant, .g8Unemployed, .g9PostChange, .g10EmploymentDifficulty],
            "social-insurance": [.g8Unemployed],
            "justice": [.g11PreRelease, .g12CommunityCorrection],
            "veterans": [.g14Veteran],
            "education": [.g3Student, .g6TwoAfterYouth],
            "civil-affairs": [],
            "worker-portal": [],
            "institution": [],
            "enterprise": [],
            "finance": [],
            "": [],
        ]
        for (role, categories) in expected {
            for category in WorkerCategory.allCases + [.unrecognized(40)] {
                XCTAssertEqual(
                    table.mayAttest(role: role, category: category), categories.contains(category),
                    "\(role) \(category)")
            }
        }
        XCTAssertTrue(table.mayAttestLowIncomeSupport(role: "civil-affairs"))
        XCTAssertFalse(table.mayAttestLowIncomeSupport(role: "hrss"))
        XCTAssertTrue(table.mayAttestMonthlyPension(role: "social-insurance"))
        XCTAssertFalse(table.mayAttestMonthlyPension(role: "hrss"))
        XCTAssertEqual(table.roles(attesting: .category(.g8Unemployed)), ["hrss", "social-insurance"])
        XCTAssertEqual(table.roles(attesting: .lowIncomeSupport), ["civil-affairs"])
    }

    func testEveryCategoryThePolicyRequiresHasARole() {
        // Shared/Policy/Data/dezhou-2019-2021.json attestation.requiredFor: G4-G12, G14.
        let required: [WorkerCategory] = [
            .g4PoorFamilyChild, .g5RegisteredPoor, .g6TwoAfterYouth, .g7RuralMigrant, .g8Unemployed,
            .g9PostChange, .g10EmploymentDifficulty, .g11PreRelease, .g12CommunityCorrection, .g14Veteran,
        ]
        for category in required {
            XCTAssertFalse(table.roles(attesting: .category(category)).isEmpty, "\(category)")
        }
    }

    func testG6WithLowIncomeSupportIsAttestedByCivilAffairs() {
        let withSupport = CategoryFact(category: .g6TwoAfterYouth, lowIncomeFamily: true)
        let without = CategoryFact(category: .g6TwoAfterYouth)
        XCTAssertTrue(table.mayAttest(role: "civil-affairs", fact: withSupport))
        XCTAssertFalse(table.mayAttest(role: "civil-affairs", fact: without))
        XCTAssertFalse(
            table.mayAttest(
                role: "civil-affairs", fact: CategoryFact(category: .g4PoorFamilyChild, lowIncomeFamily: true)))
        XCTAssertTrue(table.mayAttest(role: "education", fact: withSupport))

        let byCivil = table.attest(
            [withSupport], callerRole: "civil-affairs", callerIdentity: "civil-affairs-dev", at: now)[0]
        XCTAssertTrue(byCivil.attested)
        XCTAssertTrue(table.isLowIncomeSupportAttested(byCivil))
        // Education confirms the youth, not the family's support.
        let byEducation = table.attest([withSupport], callerRole: "education", callerIdentity: "edu", at: now)[0]
        XCTAssertTrue(byEducation.attested)
        XCTAssertFalse(table.isLowIncomeSupportAttested(byEducation))
        XCTAssertTrue(table.isLowIncomeSupportAttested(Worker(categories: [byEducation, byCivil])))
        XCTAssertFalse(table.isLowIncomeSupportAttested(Worker(categories: [byEducation])))
    }

    func testAttestMarksOnlyWhatTheCallerMayAttest() {
        let submitted = [
            CategoryFact(category: .g8Unemployed, evidenceReference: "DZ-U-1"),
            CategoryFact(category: .g14Veteran),
            // A forged attestation from the caller is cleared.
            CategoryFact(
                category: .g11PreRelease, attested: true, attestedByRole: "justice", attestedBy: "me", attestedAt: now),
            CategoryFact(category: .g16DomesticService),
        ]
        let result = table.attest(submitted, callerRole: "hrss", callerIdentity: "hrss-dev", at: now)
        XCTAssertEqual(result.map(\.attested), [true, false, false, false])
        XCTAssertEqual(result[0].attestedByRole, "hrss")
        XCTAssertEqual(result[0].attestedBy, "hrss-dev")
        XCTAssertEqual(result[0].attestedAt, now)
        XCTAssertEqual(result[0].evidenceReference, "DZ-U-1")
        for fact in result.dropFirst() {
            XCTAssertEqual(fact.attestedByRole, "")
            XCTAssertEqual(fact.attestedBy, "")
            XCTAssertNil(fact.attestedAt)
        }
        let portal = table.attest(submitted, callerRole: "worker-portal", callerIdentity: "portal", at: now)
        XCTAssertEqual(portal.map(\.attested), [false, false, false, false])
        let veterans = table.attest(submitted, callerRole: "veterans", callerIdentity: "v", at: now)
        XCTAssertEqual(veterans.map(\.attested), [false, true, false, false])
    }

    func testPreviousAttestationSurvivesAnUnchangedResubmission() {
        let stored = table.attest(
            [CategoryFact(category: .g8Unemployed, evidenceReference: "DZ-U-1")],
            callerRole: "hrss", callerIdentity: "hrss-dev", at: now)
        let same = table.attest(
            [CategoryFact(category: .g8Unemployed, evidenceReference: "DZ-U-1")],
            callerRole: "worker-portal", callerIdentity: "portal", at: nil, previous: stored)
        XCTAssertEqual(same, stored)
        let changed = table.attest(
            [CategoryFact(category: .g8Unemployed, evidenceReference: "DZ-U-2")],
            callerRole: "worker-portal", callerIdentity: "portal", at: nil, previous: stored)
        XCTAssertFalse(changed[0].attested)
    }

    func testPensionFact() {
        let worker = Worker(drawsMonthlyPension: true, pensionAttestedBy: "forged")
        let bySocialInsurance = table.attest(
            worker: worker, callerRole: "social-insurance", callerIdentity: "si-dev", at: now)
        XCTAssertEqual(bySocialInsurance.pensionAttestedBy, "si-dev")
        XCTAssertEqual(bySocialInsurance.pensionAttestedAt, now)
        XCTAssertTrue(bySocialInsurance.drawsMonthlyPension)
        let byPortal = table.attest(worker: worker, callerRole: "worker-portal", callerIdentity: "portal", at: now)
        XCTAssertEqual(byPortal.pensionAttestedBy, "")
        XCTAssertNil(byPortal.pensionAttestedAt)
        XCTAssertTrue(byPortal.drawsMonthlyPension)
        let kept = table.attest(
            worker: worker, callerRole: "worker-portal", callerIdentity: "portal", at: now, previous: bySocialInsurance)
        XCTAssertEqual(kept.pensionAttestedBy, "si-dev")
        var flipped = worker
        flipped.drawsMonthlyPension = false
        XCTAssertEqual(
            table.attest(
                worker: flipped, callerRole: "worker-portal", callerIdentity: "p", at: now, previous: bySocialInsurance
            ).pensionAttestedBy, "")
    }

    func testACustomTable() {
        let custom = AttestationTable(["agriculture": [.category(.g7RuralMigrant), .category(.g13RuralTalent)]])
        XCTAssertTrue(custom.mayAttest(role: "agriculture", category: .g13RuralTalent))
        XCTAssertFalse(custom.mayAttest(role: "hrss", category: .g7RuralMigrant))
    }
}

final class PersonalDataMaskingTests: XCTestCase {
    let masking = PersonalDataMasking.dezhouDefault

    func testWhoSeesPersonalData() {
        for role in [
            "hrss", "social-insurance", "civil-affairs", "poverty-office", "justice", "veterans",
            "registration", "matching", "payment", "assessment",
        ] {
            XCTAssertTrue(masking.maySeePersonalData(role: role), role)
        }
        for role in [
            "worker-portal", "institution", "enterprise", "finance", "education", "assessment-org", "echo", "", "HRSS",
        ] {
            XCTAssertFalse(masking.maySeePersonalData(role: role), role)
        }
    }

    func testWorkerIsMaskedForOtherRoles() {
        let worker = validWorker()
        XCTAssertEqual(masking.apply(role: "hrss", to: worker), worker)
        let masked = masking.apply(role: "institution", to: worker)
        XCTAssertEqual(masked.idNumber, "3714**********" + String(worker.idNumber.suffix(4)))
        XCTAssertEqual(masked.phone, "138****5678")
        XCTAssertEqual(masked.name, worker.name)
        XCTAssertEqual(masked.categories, worker.categories)
    }

    func testTeacherIsMaskedForOtherRoles() {
        let teacher = Teacher(idNumber: "11010519491231002X", name: "王老师", phone: "0534-2345678")
        let masked = masking.apply(role: "worker-portal", to: teacher)
        XCTAssertEqual(masked.idNumber, "1101**********002X")
        XCTAssertEqual(masked.phone, "0534-***5678")
        XCTAssertEqual(masking.apply(role: "payment", to: teacher), teacher)
    }

    func testMaskFunctionsOnOddInput() {
        XCTAssertEqual(PersonalDataMasking.maskIDNumber(""), "")
        XCTAssertEqual(PersonalDataMasking.maskIDNumber("12345678"), "********")
        XCTAssertEqual(PersonalDataMasking.maskIDNumber("123456789"), "1234*6789")
        XCTAssertEqual(PersonalDataMasking.maskPhone(""), "")
        XCTAssertEqual(PersonalDataMasking.maskPhone("1234567"), "*******")
        XCTAssertEqual(PersonalDataMasking.maskPhone("13812345678"), "138****5678")
    }
}

final class ValidationErrorTests: XCTestCase {
    func testDescriptionAndEquality() {
        let error = ValidationError(
            field: "worker.id_number", code: .wrongCheckCharacter,
            message: "wrong check character: expected 'X', got '5' (GB 11643-1999)")
        XCTAssertEqual(
            error.description, "worker.id_number: wrong check character: expected 'X', got '5' (GB 11643-1999)")
        XCTAssertEqual(error.at("teacher.id_number").field, "teacher.id_number")
        XCTAssertNotEqual(error, error.at("teacher.id_number"))
        XCTAssertEqual(CivilDate.isLeapYear(2000), true)
        XCTAssertEqual(CivilDate.isLeapYear(1900), false)
        XCTAssertEqual(CivilDate.isLeapYear(2020), true)
        XCTAssertEqual(CivilDate.isLeapYear(2019), false)
    }
}
