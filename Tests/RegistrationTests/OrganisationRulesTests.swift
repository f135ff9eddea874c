import PlatformTestSupport
import Schema
import XCTest

/// Registration's rules for enterprises, institutions (filing and review, C4, R10; their systems)
/// and teachers, as callers see them. Moved from Tests/Interop/test_registration.py.
final class OrganisationRulesTests: RegistrationCallsTestCase {
    func testAnEnterpriseIsRegisteredOnceAndReadByItsCode() async throws {
        let enterprise = anEnterprise()
        let created = try await client().registerEnterprise(
            RegisterEnterpriseRequest(requestId: rid(), enterprise: enterprise))
        XCTAssertEqual(created.creditCode, enterprise.creditCode)
        XCTAssertEqual(created.version, 1)
        XCTAssertTrue(created.keyIndustry && created.highRisk && created.highRiskSector == "chemicals")
        let read = try await client(.enterprise).getEnterprise(
            GetEnterpriseRequest(creditCode: enterprise.creditCode.lowercased()))
        XCTAssertEqual(read, created)

        let duplicate = await refusal {
            try await self.client().registerEnterprise(
                RegisterEnterpriseRequest(
                    requestId: self.rid(), enterprise: self.anEnterprise(creditCode: enterprise.creditCode)))
        }
        XCTAssertEqual(duplicate?.code, .alreadyExists)
        XCTAssertTrue(duplicate?.message.contains(enterprise.creditCode) ?? false, "\(String(describing: duplicate))")
        let unknown = await refusal {
            try await self.client().getEnterprise(GetEnterpriseRequest(creditCode: self.platform.newCreditCode()))
        }
        XCTAssertEqual(unknown?.code, .notFound)
    }

    func testAFilingIsReviewedOnceAndListedByItsScope() async throws {
        let occupation = unique("4-10-01")
        let filed = try await file(as: .institution())
        XCTAssertTrue(filed.id.hasPrefix("i-"))
        XCTAssertEqual(filed.filingStatus, .pending)
        XCTAssertEqual([filed.reviewedBy, String(filed.version)], ["", "1"])
        let acceptedBefore = try await institutions(ListInstitutionsRequest(filingStatus: .accepted))
        XCTAssertFalse(acceptedBefore.contains { $0.id == filed.id })

        let reviewed = try await review(filed.id, scope: [occupation, "4-10-01-01"], note: "材料齐全")
        XCTAssertEqual(reviewed.filingStatus, .accepted)
        XCTAssertEqual(reviewed.licenceScopeOccupations, [occupation, "4-10-01-01"])
        XCTAssertEqual([reviewed.reviewedBy, reviewed.reviewNote], ["hrss-dev", "材料齐全"])
        XCTAssertEqual(reviewed.version, 2)
        let read = try await client(.workerPortal).getInstitution(GetInstitutionRequest(institutionId: filed.id))
        XCTAssertEqual(read, reviewed)
        let byScope = try await institutions(
            ListInstitutionsRequest(filingStatus: .accepted, occupationCode: occupation))
        XCTAssertEqual(byScope.map(\.id), [filed.id])

        let again = await refusal { try await self.review(filed.id, accept: false, note: "再审") }
        XCTAssertEqual(again?.code, .failedPrecondition)
        XCTAssertTrue(again?.message.contains(filed.id) ?? false, "\(String(describing: again))")
        let unchanged = try await client().getInstitution(GetInstitutionRequest(institutionId: filed.id))
        XCTAssertEqual(unchanged, reviewed)
        let unknown = await refusal {
            try await self.client().getInstitution(GetInstitutionRequest(institutionId: "i-nothing"))
        }
        XCTAssertEqual(unknown?.code, .notFound)
    }

    func testRejectionsAndPagesOfInstitutions() async throws {
        let occupation = unique("6-18-01")
        var ids: [String] = []
        for _ in 0..<5 {
            let filed = try await file(anInstitution(kind: .technicianCollege))
            ids.append(try await review(filed.id, scope: [occupation]).id)
        }
        let rejected = try await review(try await file().id, accept: false, note: "无办学许可")
        XCTAssertEqual(rejected.filingStatus, .rejected)
        XCTAssertEqual(rejected.licenceScopeOccupations, [])

        var pages: [[String]] = []
        var request = ListInstitutionsRequest(occupationCode: occupation, pageSize: 2)
        repeat {
            let page = try await client().listInstitutions(request)
            pages.append(page.institutions.map(\.id))
            request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty && pages.count < 10
        XCTAssertEqual(pages.flatMap { $0 }.sorted(), ids.sorted(), "every accepted institution exactly once")
        XCTAssertTrue(pages.allSatisfy { $0.count <= 2 } && pages.count >= 3, "\(pages)")
        let colleges = try await institutions(
            ListInstitutionsRequest(kind: .technicianCollege, occupationCode: occupation))
        XCTAssertEqual(colleges.map(\.id).sorted(), ids.sorted())
        let rejections = try await institutions(ListInstitutionsRequest(filingStatus: .rejected))
        XCTAssertTrue(rejections.contains { $0.id == rejected.id })
    }

    func testSystemNamesAreKeptAndChangedByHrssOnly() async throws {
        let filed = try await file(anInstitution(systems: ["institution-dev", "德州培训学校-备用系统"]), as: .institution())
        XCTAssertEqual(filed.systemCertificateNames, ["institution-dev", "德州培训学校-备用系统"])
        let reviewed = try await review(filed.id, scope: ["4-10-01-01"])
        XCTAssertEqual(reviewed.systemCertificateNames, filed.systemCertificateNames)

        let request = SetInstitutionSystemsRequest(
            requestId: rid(), institutionId: filed.id, systemCertificateNames: ["institution-b-dev"],
            expectedVersion: reviewed.version)
        let changed = try await client().setInstitutionSystems(request)
        XCTAssertEqual(changed.systemCertificateNames, ["institution-b-dev"])
        XCTAssertEqual(changed.version, reviewed.version + 1)
        XCTAssertEqual(changed.filingStatus, .accepted)
        XCTAssertEqual(changed.licenceScopeOccupations, ["4-10-01-01"])
        let retried = try await client().setInstitutionSystems(request)
        XCTAssertEqual(retried, changed, "a retry answers the first result")

        let stale = await refusal {
            try await self.client().setInstitutionSystems(
                SetInstitutionSystemsRequest(
                    requestId: self.rid(), institutionId: filed.id, expectedVersion: reviewed.version))
        }
        XCTAssertEqual(stale?.code, .failedPrecondition)
        XCTAssertTrue(stale?.message.contains(filed.id) ?? false, "\(String(describing: stale))")
        for caller in [TestCaller.institution(), .institution("institution-b-dev"), .education] {
            let denied = await refusal {
                try await self.client(caller).setInstitutionSystems(
                    SetInstitutionSystemsRequest(
                        requestId: self.rid(), institutionId: filed.id, systemCertificateNames: ["intruder"]))
            }
            XCTAssertEqual(denied?.code, .permissionDenied, caller.commonName)
        }
        let missing = await refusal {
            try await self.client().setInstitutionSystems(
                SetInstitutionSystemsRequest(
                    requestId: self.rid(), institutionId: "i-nothing", systemCertificateNames: ["a"]))
        }
        XCTAssertEqual(missing?.code, .notFound)
        let unchanged = try await client().getInstitution(GetInstitutionRequest(institutionId: filed.id))
        XCTAssertEqual(unchanged, changed)

        let cleared = try await client().setInstitutionSystems(
            SetInstitutionSystemsRequest(requestId: rid(), institutionId: filed.id))
        XCTAssertEqual(cleared.systemCertificateNames, [])
        XCTAssertEqual(cleared.version, changed.version + 1)
    }

    func testDuplicatesNameTheExistingInstitutionAndRetriesAnswerTheFirst() async throws {
        let institution = anInstitution()
        let request = RegisterInstitutionRequest(requestId: rid(), institution: institution)
        let filed = try await client().registerInstitution(request)
        let retried = try await client().registerInstitution(request)
        XCTAssertEqual(retried.id, filed.id)
        let duplicate = await refusal { try await self.file(self.anInstitution(creditCode: institution.creditCode)) }
        XCTAssertEqual(duplicate?.code, .alreadyExists)
        XCTAssertTrue(duplicate?.message.contains(filed.id) ?? false, "\(String(describing: duplicate))")

        let review = ReviewInstitutionFilingRequest(
            requestId: rid(), institutionId: filed.id, accept: true, licenceScopeOccupations: ["x"])
        let reviewed = try await client().reviewInstitutionFiling(review)
        let reviewedAgain = try await client().reviewInstitutionFiling(review)
        XCTAssertEqual(reviewedAgain, reviewed)
        let enterprise = RegisterEnterpriseRequest(requestId: rid(), enterprise: anEnterprise())
        let registered = try await client().registerEnterprise(enterprise)
        let registeredAgain = try await client().registerEnterprise(enterprise)
        XCTAssertEqual(registeredAgain, registered)
    }

    func testAnInstitutionMayNotReviewFilings() async throws {
        let filed = try await file(as: .institution())
        let refused = await refusal {
            try await self.client(.institution()).reviewInstitutionFiling(
                ReviewInstitutionFilingRequest(
                    requestId: self.rid(), institutionId: filed.id, accept: true,
                    licenceScopeOccupations: ["4-10-01-01"]))
        }
        XCTAssertEqual(refused?.code, .permissionDenied)
        let still = try await client().getInstitution(GetInstitutionRequest(institutionId: filed.id))
        XCTAssertEqual(still.filingStatus, .pending)
        XCTAssertEqual(still.version, 1)
    }

    func testTeachersAreListedByPoolAndSpecialityAndMaskedForThePortal() async throws {
        let speciality = unique("4-10-01")
        var made: [Teacher] = []
        var numbers: [String] = []
        for pool in [TeacherPool.vocational, .vocational, .entrepreneurship] {
            numbers.append(platform.newIDNumber())
            let teacher = Teacher(
                idNumber: numbers[numbers.count - 1], name: "赵老师", pool: pool, specialities: [speciality, "育婴"],
                phone: "13700000001", title: "高级讲师")
            made.append(
                try await client(.institution()).registerTeacher(
                    RegisterTeacherRequest(requestId: rid(), teacher: teacher)))
        }
        XCTAssertTrue(made.allSatisfy { $0.id.hasPrefix("t-") })
        XCTAssertEqual(made.map(\.idNumber), numbers.map(masked), "masked for the institution")

        let vocational = try await client().listTeachers(ListTeachersRequest(pool: .vocational, speciality: speciality))
        XCTAssertEqual(Set(vocational.teachers.map(\.id)), Set(made.prefix(2).map(\.id)))
        XCTAssertEqual(vocational.nextPageToken, "")
        let first = try await client().listTeachers(ListTeachersRequest(speciality: speciality, pageSize: 2))
        XCTAssertEqual(first.teachers.count, 2)
        let second = try await client().listTeachers(
            ListTeachersRequest(speciality: speciality, pageSize: 2, pageToken: first.nextPageToken))
        XCTAssertEqual(Set((first.teachers + second.teachers).map(\.id)), Set(made.map(\.id)))

        let portal = try await client(.workerPortal).listTeachers(ListTeachersRequest(speciality: speciality))
        XCTAssertTrue(portal.teachers.allSatisfy { $0.phone == "137****0001" }, "\(portal.teachers.map(\.phone))")
        XCTAssertEqual(Set(portal.teachers.map(\.idNumber)), Set(numbers.map(masked)))
        let full = try await client().listTeachers(ListTeachersRequest(speciality: speciality))
        XCTAssertEqual(Set(full.teachers.map(\.idNumber)), Set(numbers))

        let again = await refusal {
            try await self.client(.institution()).registerTeacher(
                RegisterTeacherRequest(
                    requestId: self.rid(),
                    teacher: Teacher(idNumber: numbers[0], name: "赵老师", pool: .vocational, specialities: [speciality])))
        }
        XCTAssertEqual(again?.code, .alreadyExists)
    }
}
