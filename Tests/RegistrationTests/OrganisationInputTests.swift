import PlatformTestSupport
import Schema
import XCTest

/// Bad enterprise, institution, review and teacher requests: INVALID_ARGUMENT, a message naming the
/// field, and nothing written. Moved from Tests/Interop/test_registration.py.
final class OrganisationInputTests: RegistrationCallsTestCase {
    private struct Case {
        let name: String
        let field: String
        let call: @Sendable (RegistrationServiceClient) async throws -> Void
    }

    private func cases() -> [Case] {
        let requestID = rid()
        let enterprise = anEnterprise()
        let institution = anInstitution()
        let teacherNumber = platform.newIDNumber()
        func registering(_ name: String, _ field: String, _ request: RegisterEnterpriseRequest) -> Case {
            Case(name: name, field: field) { _ = try await $0.registerEnterprise(request) }
        }
        func filing(_ name: String, _ field: String, _ change: (inout Institution) -> Void) -> Case {
            var changed = institution
            change(&changed)
            let request = RegisterInstitutionRequest(requestId: requestID, institution: changed)
            return Case(name: name, field: field) { _ = try await $0.registerInstitution(request) }
        }
        func teacher(_ name: String, _ field: String, _ teacher: Teacher) -> Case {
            let request = RegisterTeacherRequest(requestId: requestID, teacher: teacher)
            return Case(name: name, field: field) { _ = try await $0.registerTeacher(request) }
        }
        func systems(_ name: String, _ field: String, _ request: SetInstitutionSystemsRequest) -> Case {
            Case(name: name, field: field) { _ = try await $0.setInstitutionSystems(request) }
        }
        func review(_ name: String, _ field: String, _ request: ReviewInstitutionFilingRequest) -> Case {
            Case(name: name, field: field) { _ = try await $0.reviewInstitutionFiling(request) }
        }
        var unnamed = enterprise
        unnamed.name = ""
        var badIndustry = enterprise
        badIndustry.industry = "ZZ"
        return [
            registering("enterprise-none", "enterprise", RegisterEnterpriseRequest(requestId: requestID)),
            registering("enterprise-empty-name", "enterprise.name", .init(requestId: requestID, enterprise: unnamed)),
            registering("enterprise-no-request-id", "request_id", .init(enterprise: enterprise)),
            registering(
                "enterprise-bad-industry", "enterprise.industry", .init(requestId: requestID, enterprise: badIndustry)),
            filing("institution-unknown-kind", "institution.kind") { $0.kind = .unrecognized(99) },
            filing("institution-unspecified-kind", "institution.kind") { $0.kind = .unspecified },
            filing("institution-empty-name", "institution.name") { $0.name = "" },
            filing("institution-blank-system-name", "institution.system_certificate_names[1]") {
                $0.systemCertificateNames = ["institution-dev", " "]
            },
            filing("institution-long-system-name", "institution.system_certificate_names[0]") {
                $0.systemCertificateNames = [String(repeating: "x", count: 65)]
            },
            filing("institution-repeated-system-name", "institution.system_certificate_names[1]") {
                $0.systemCertificateNames = ["a-dev", "a-dev"]
            },
            filing("institution-too-many-system-names", "institution.system_certificate_names") {
                $0.systemCertificateNames = (0..<17).map { "s\($0)" }
            },
            filing("institution-spaced-system-name", "institution.system_certificate_names[0]") {
                $0.systemCertificateNames = [" institution-dev"]
            },
            teacher(
                "teacher-unknown-pool", "teacher.pool",
                Teacher(idNumber: teacherNumber, name: "钱老师", pool: .unrecognized(99), specialities: ["x"])),
            teacher(
                "teacher-no-specialities", "teacher.specialities",
                Teacher(idNumber: teacherNumber, name: "钱老师", pool: .vocational)),
            teacher(
                "teacher-bad-id-number", "teacher.id_number",
                Teacher(idNumber: "371402199002301234", name: "钱老师", pool: .vocational, specialities: ["x"])),
            systems(
                "systems-empty-name", "system_certificate_names[0]",
                .init(requestId: requestID, institutionId: "i-x", systemCertificateNames: [""])),
            systems(
                "systems-no-institution", "institution_id", .init(requestId: requestID, systemCertificateNames: ["a"])),
            systems("systems-no-request-id", "request_id", .init(institutionId: "i-x", systemCertificateNames: ["a"])),
            review(
                "review-no-scope", "licence_scope_occupations",
                .init(requestId: requestID, institutionId: "i-x", accept: true)),
            review(
                "review-reject-without-note", "note", .init(requestId: requestID, institutionId: "i-x", accept: false)),
        ]
    }

    func testAnInvalidRequestNamesTheFieldAndWritesNothing() async throws {
        let all = cases()
        XCTAssertEqual(all.count, 20)
        let client = client()
        for item in all {
            let refused = await refusal { try await item.call(client) }
            XCTAssertEqual(refused?.code, .invalidArgument, "\(item.name): \(String(describing: refused))")
            XCTAssertTrue(
                refused?.message.contains("\(item.field):") ?? false, "\(item.name): \(String(describing: refused))")
        }
        let counts = (try await institutions().count, try await teacherCount())
        XCTAssertEqual(counts.0, 0)
        XCTAssertEqual(counts.1, 0)
    }

    func testAnInvalidCreditCodeIsRefusedForEnterprisesAndInstitutions() async throws {
        let good = platform.newCreditCode()
        var codes = [("wrong-check-character", String(good.dropLast()) + (good.last == "0" ? "1" : "0"))]
        for letter in "IOZSV" {
            var characters = Array(good.prefix(17))
            characters[10] = letter
            codes.append(("letter-\(letter)", String(characters) + "0"))
        }
        codes += [("17-characters", String(good.dropLast())), ("19-characters", good + "0"), ("empty", "")]
        for (name, code) in codes {
            let enterprise = await refusal {
                try await self.client().registerEnterprise(
                    RegisterEnterpriseRequest(requestId: self.rid(), enterprise: self.anEnterprise(creditCode: code)))
            }
            XCTAssertEqual(enterprise?.code, .invalidArgument, name)
            XCTAssertTrue(
                enterprise?.message.contains("enterprise.credit_code") ?? false,
                "\(name): \(String(describing: enterprise))")
            if !code.isEmpty {
                let missing = await refusal {
                    try await self.client().getEnterprise(GetEnterpriseRequest(creditCode: code))
                }
                XCTAssertEqual(missing?.code, .notFound, name)
            }
            let institution = await refusal { try await self.file(self.anInstitution(creditCode: code)) }
            XCTAssertEqual(institution?.code, .invalidArgument, name)
            XCTAssertTrue(
                institution?.message.contains("institution.credit_code") ?? false,
                "\(name): \(String(describing: institution))")
        }
        let count = try await institutions().count
        XCTAssertEqual(count, 0)
    }
}
