import Schema
import XCTest

@testable import RegistrationCore

final class WorkerRequestValidationTests: XCTestCase {
    func request(_ edit: (inout Worker) -> Void = { _ in }, requestID: String = "req-1") -> RegisterWorkerRequest {
        var worker = validWorker()
        edit(&worker)
        return RegisterWorkerRequest(requestId: requestID, worker: worker)
    }

    func fields(_ errors: [ValidationError]) -> [String] { errors.map(\.field) }

    func testValidRequest() {
        XCTAssertEqual(WorkerRequestValidation.validate(request(), today: today), [])
        // Minimal: no categories, urban, landline, birth date given and consistent.
        let minimal = request {
            $0.categories = []
            $0.hukou = .urban
            $0.phone = "0534-2345678"
            $0.district = ""
            $0.birthDate = CalendarDate(year: 1990, month: 3, day: 7)
            $0.idNumber = String($0.idNumber.dropLast()) + ($0.idNumber.last == "X" ? "x" : String($0.idNumber.last!))
        }
        XCTAssertEqual(WorkerRequestValidation.validate(minimal, today: today), [])
        // Every category, each with the details it needs.
        let all = request {
            $0.categories = WorkerCategory.allCases.filter { $0 != .unspecified }.map { category in
                var fact = CategoryFact(category: category)
                switch category {
                case .g1EnterpriseEmployee: fact.employerCreditCode = employerCode
                case .g2NewHire:
                    fact.employerCreditCode = "91350100M000100Y43"
                    fact.hiredOn = CalendarDate(year: 2020, month: 2, day: 29)
                case .g3Student: fact.school = "德州学院"
                case .g6TwoAfterYouth: fact.rural = true
                case .g10EmploymentDifficulty:
                    fact.disabled = true
                    fact.zeroEmploymentFamily = true
                case .g4PoorFamilyChild: fact.lowIncomeFamily = true
                default: break
                }
                fact.validUntil = CalendarDate(year: 2021, month: 12, day: 31)
                return fact
            }
        }
        XCTAssertEqual(WorkerRequestValidation.validate(all, today: today), [])
    }

    func testEachFieldProblemNamesItsField() {
        let wrongCheck = withWrongCheck(residentID(birth: "19900307"))
        let cases: [(String, (inout Worker) -> Void, String, ValidationError.Code)] = [
            ("empty id number", { $0.idNumber = "" }, "worker.id_number", .missing),
            ("short id number", { $0.idNumber = "37140219900307" }, "worker.id_number", .wrongLength),
            ("letter in id number", { $0.idNumber = "37140A199003071234" }, "worker.id_number", .invalidCharacter),
            ("wrong check", { $0.idNumber = wrongCheck.id }, "worker.id_number", .wrongCheckCharacter),
            ("impossible birth", { $0.idNumber = residentID(birth: "20190229") }, "worker.id_number", .impossibleDate),
            ("future birth", { $0.idNumber = residentID(birth: "20200616") }, "worker.id_number", .dateInFuture),
            ("empty name", { $0.name = "" }, "worker.name", .missing),
            ("blank name", { $0.name = "  " }, "worker.name", .missing),
            ("long name", { $0.name = String(repeating: "名", count: 65) }, "worker.name", .tooLong),
            ("control in name", { $0.name = "张\n三" }, "worker.name", .invalidCharacter),
            ("no phone", { $0.phone = "" }, "worker.phone", .missing),
            ("bad phone", { $0.phone = "12345" }, "worker.phone", .invalidFormat),
            ("hukou unspecified", { $0.hukou = .unspecified }, "worker.hukou", .unspecifiedValue),
            ("hukou unknown", { $0.hukou = .unrecognized(7) }, "worker.hukou", .unrecognizedValue),
            (
                "category unspecified", { $0.categories[1].category = .unspecified }, "worker.categories[1].category",
                .unspecifiedValue
            ),
            (
                "category unknown", { $0.categories[2].category = .unrecognized(42) }, "worker.categories[2].category",
                .unrecognizedValue
            ),
            (
                "category twice", { $0.categories.append(CategoryFact(category: .g8Unemployed)) },
                "worker.categories[3].category", .duplicate
            ),
            (
                "G1 without employer", { $0.categories[0].employerCreditCode = "" },
                "worker.categories[0].employer_credit_code", .missing
            ),
            (
                "G1 employer wrong check",
                { $0.categories[0].employerCreditCode = withWrongCreditCheck(employerCode).code },
                "worker.categories[0].employer_credit_code", .wrongCheckCharacter
            ),
            (
                "G1 employer with O", { $0.categories[0].employerCreditCode = "91371400MAOC123450" },
                "worker.categories[0].employer_credit_code", .invalidCharacter
            ),
            (
                "G2 without employer", { $0.categories[0] = CategoryFact(category: .g2NewHire) },
                "worker.categories[0].employer_credit_code", .missing
            ),
            (
                "G2 hired in future",
                {
                    $0.categories[0] = CategoryFact(
                        category: .g2NewHire, employerCreditCode: employerCode,
                        hiredOn: CalendarDate(year: 2020, month: 7, day: 1))
                },
                "worker.categories[0].hired_on", .dateInFuture
            ),
            (
                "G2 hired impossible",
                {
                    $0.categories[0] = CategoryFact(
                        category: .g2NewHire, employerCreditCode: employerCode,
                        hiredOn: CalendarDate(year: 2019, month: 2, day: 29))
                },
                "worker.categories[0].hired_on", .impossibleDate
            ),
            (
                "G3 without school", { $0.categories[0] = CategoryFact(category: .g3Student) },
                "worker.categories[0].school", .missing
            ),
            ("G6 rural mismatch (urban hukou)", { $0.hukou = .urban }, "worker.categories[1].rural", .inconsistent),
            (
                "low income on G8", { $0.categories[2].lowIncomeFamily = true },
                "worker.categories[2].low_income_family", .inconsistent
            ),
            ("school on G1", { $0.categories[0].school = "德州学院" }, "worker.categories[0].school", .inconsistent),
            (
                "employer on G8", { $0.categories[2].employerCreditCode = employerCode },
                "worker.categories[2].employer_credit_code", .inconsistent
            ),
            ("disabled on G6", { $0.categories[1].disabled = true }, "worker.categories[1].disabled", .inconsistent),
            (
                "zero employment on G8", { $0.categories[2].zeroEmploymentFamily = true },
                "worker.categories[2].zero_employment_family", .inconsistent
            ),
            ("rural on G8", { $0.categories[2].rural = true }, "worker.categories[2].rural", .inconsistent),
            (
                "hired_on on G1", { $0.categories[0].hiredOn = CalendarDate(year: 2019, month: 1, day: 2) },
                "worker.categories[0].hired_on", .inconsistent
            ),
            (
                "valid_until impossible", { $0.categories[2].validUntil = CalendarDate(year: 2021, month: 13, day: 1) },
                "worker.categories[2].valid_until", .impossibleDate
            ),
            (
                "birth date differs", { $0.birthDate = CalendarDate(year: 1990, month: 3, day: 8) },
                "worker.birth_date", .inconsistent
            ),
            (
                "birth date impossible", { $0.birthDate = CalendarDate(year: 1990, month: 2, day: 30) },
                "worker.birth_date", .impossibleDate
            ),
            ("district", { $0.district = "Decheng" }, "worker.district", .invalidFormat),
        ]
        for (label, edit, field, code) in cases {
            let errors = WorkerRequestValidation.validate(request(edit), today: today)
            XCTAssertEqual(errors.count, 1, "\(label): \(errors)")
            XCTAssertEqual(errors.first?.field, field, label)
            XCTAssertEqual(errors.first?.code, code, "\(label): \(errors)")
            XCTAssertFalse(errors.first?.message.isEmpty ?? true, label)
        }
    }

    func testRequestLevelProblems() {
        XCTAssertEqual(fields(WorkerRequestValidation.validate(request(requestID: ""), today: today)), ["request_id"])
        let long = WorkerRequestValidation.validate(
            request(requestID: String(repeating: "r", count: 129)), today: today)
        XCTAssertEqual(long.map(\.code), [.tooLong])
        XCTAssertEqual(
            WorkerRequestValidation.validate(request(requestID: String(repeating: "r", count: 128)), today: today), [])
        let noWorker = WorkerRequestValidation.validate(RegisterWorkerRequest(requestId: ""), today: today)
        XCTAssertEqual(fields(noWorker), ["request_id", "worker"])
        XCTAssertEqual(noWorker.map(\.code), [.missing, .missing])
    }

    func testAllProblemsAreReportedInFieldOrder() {
        let errors = WorkerRequestValidation.validate(
            RegisterWorkerRequest(
                requestId: "",
                worker: Worker(
                    idNumber: "123", name: "", phone: "", hukou: .unrecognized(9),
                    categories: [CategoryFact(category: .unrecognized(99)), CategoryFact(category: .g3Student)])),
            today: today)
        XCTAssertEqual(
            fields(errors),
            [
                "request_id", "worker.id_number", "worker.name", "worker.phone", "worker.hukou",
                "worker.categories[0].category", "worker.categories[1].school",
            ])
        XCTAssertEqual(
            ValidationError.joined(Array(errors.prefix(2))),
            "request_id: the idempotency key is required; worker.id_number: wrong length: a resident ID number has 18 characters, got 3 (GB 11643-1999)"
        )
    }

    func testMessagesReadWell() {
        let unknown = WorkerRequestValidation.validate(request { $0.hukou = .unrecognized(7) }, today: today)
        XCTAssertEqual(
            unknown.first?.description,
            "worker.hukou: unknown skills.v1.Hukou value 7; expected one of HUKOU_URBAN, HUKOU_RURAL")
        let duplicate = WorkerRequestValidation.validate(
            request { $0.categories.append(CategoryFact(category: .g8Unemployed)) }, today: today)
        XCTAssertEqual(
            duplicate.first?.description,
            "worker.categories[3].category: G8 (WORKER_CATEGORY_G8_UNEMPLOYED) is listed twice (also worker.categories[2]); give each category once"
        )
        let misplaced = WorkerRequestValidation.validate(
            request { $0.categories[2].lowIncomeFamily = true }, today: today)
        XCTAssertEqual(
            misplaced.first?.message.hasPrefix("low_income_family belongs to G4/G6 facts, not to G8"), true,
            "\(misplaced)")
    }

    func testUpdateRequest() {
        var worker = validWorker()
        worker.id = "w-1"
        XCTAssertEqual(
            WorkerRequestValidation.validate(UpdateWorkerRequest(requestId: "u-1", worker: worker), today: today), [])
        // Only the masked fields are checked.
        var partial = Worker(id: "w-1", phone: "13912345678")
        XCTAssertEqual(
            WorkerRequestValidation.validate(
                UpdateWorkerRequest(requestId: "u-2", worker: partial, updateMask: ["phone"]), today: today), [])
        partial.phone = "139"
        XCTAssertEqual(
            fields(
                WorkerRequestValidation.validate(
                    UpdateWorkerRequest(requestId: "u-2", worker: partial, updateMask: ["phone"]), today: today)),
            ["worker.phone"])
        let bad = WorkerRequestValidation.validate(
            UpdateWorkerRequest(
                requestId: "u-3", worker: Worker(name: "李四"), expectedVersion: -1,
                updateMask: ["name", "id_number", "salary", "name"]),
            today: today)
        XCTAssertEqual(
            fields(bad), ["worker.id", "expected_version", "update_mask[1]", "update_mask[2]", "update_mask[3]"])
        XCTAssertEqual(bad.map(\.code), [.missing, .invalidFormat, .inconsistent, .invalidFormat, .duplicate])
        XCTAssertEqual(
            fields(WorkerRequestValidation.validate(UpdateWorkerRequest(requestId: "u-4"), today: today)), ["worker"])
    }
}

final class OrganisationRequestValidationTests: XCTestCase {
    func testEnterprise() {
        func req(_ edit: (inout Enterprise) -> Void) -> RegisterEnterpriseRequest {
            var e = Enterprise(
                creditCode: employerCode, name: "德州某化工有限公司", industry: "C2614", keyIndustry: true,
                highRisk: true, highRiskSector: "chemicals", district: "371402")
            edit(&e)
            return RegisterEnterpriseRequest(requestId: "e-1", enterprise: e)
        }
        XCTAssertEqual(EnterpriseRequestValidation.validate(req { _ in }), [])
        for industry in ["C", "C26", "C261", "2614", "26"] {
            XCTAssertEqual(EnterpriseRequestValidation.validate(req { $0.industry = industry }), [], industry)
        }
        let cases: [(String, (inout Enterprise) -> Void, String, ValidationError.Code)] = [
            ("no code", { $0.creditCode = "" }, "enterprise.credit_code", .missing),
            (
                "wrong check", { $0.creditCode = withWrongCreditCheck(employerCode).code }, "enterprise.credit_code",
                .wrongCheckCharacter
            ),
            ("letter Z", { $0.creditCode = "91371400MAZC123450" }, "enterprise.credit_code", .invalidCharacter),
            ("short", { $0.creditCode = "9137140" }, "enterprise.credit_code", .wrongLength),
            ("no name", { $0.name = "" }, "enterprise.name", .missing),
            ("no industry", { $0.industry = "" }, "enterprise.industry", .missing),
            ("bad industry", { $0.industry = "chemicals" }, "enterprise.industry", .invalidFormat),
            ("industry U", { $0.industry = "U26" }, "enterprise.industry", .invalidFormat),
            ("sector without flag", { $0.highRisk = false }, "enterprise.high_risk_sector", .inconsistent),
            ("district", { $0.district = "3714" }, "enterprise.district", .invalidFormat),
        ]
        for (label, edit, field, code) in cases {
            let errors = EnterpriseRequestValidation.validate(req(edit))
            XCTAssertEqual(errors.map(\.field), [field], "\(label): \(errors)")
            XCTAssertEqual(errors.first?.code, code, label)
        }
        XCTAssertEqual(
            EnterpriseRequestValidation.validate(RegisterEnterpriseRequest(requestId: "e")).map(\.field), ["enterprise"]
        )
    }

    func testSetInstitutionSystems() {
        let good = SetInstitutionSystemsRequest(
            requestId: "s-1", institutionId: "i-1", systemCertificateNames: ["institution-b-dev"])
        XCTAssertEqual(InstitutionRequestValidation.validate(good), [])
        XCTAssertEqual(
            InstitutionRequestValidation.validate(SetInstitutionSystemsRequest(requestId: "s-1", institutionId: "i-1")),
            [],
            "clearing the list is allowed")
        XCTAssertEqual(
            InstitutionRequestValidation.validate(SetInstitutionSystemsRequest(systemCertificateNames: [""])).map(
                \.field),
            ["request_id", "institution_id", "system_certificate_names[0]"])
        var negative = good
        negative.expectedVersion = -1
        XCTAssertEqual(InstitutionRequestValidation.validate(negative).map(\.field), ["expected_version"])
    }

    func testInstitution() {
        func req(_ edit: (inout Institution) -> Void) -> RegisterInstitutionRequest {
            var i = Institution(
                creditCode: creditCode("52371400MJD123456"), name: "德州市某职业培训学校", kind: .privateTraining,
                licenceScopeOccupations: ["6-31-01-03", "4-10-01-06"], contactPhone: "0534-2345678",
                address: "德州市德城区", district: "371402", systemCertificateNames: ["institution-dev"])
            edit(&i)
            return RegisterInstitutionRequest(requestId: "i-1", institution: i)
        }
        XCTAssertEqual(InstitutionRequestValidation.validate(req { _ in }), [])
        XCTAssertEqual(
            InstitutionRequestValidation.validate(
                req {
                    $0.licenceScopeOccupations = []
                    $0.contactPhone = ""
                }), [])
        let cases: [(String, (inout Institution) -> Void, String, ValidationError.Code)] = [
            (
                "wrong check", { $0.creditCode = withWrongCreditCheck($0.creditCode).code }, "institution.credit_code",
                .wrongCheckCharacter
            ),
            ("no name", { $0.name = "" }, "institution.name", .missing),
            ("kind unspecified", { $0.kind = .unspecified }, "institution.kind", .unspecifiedValue),
            ("kind unknown", { $0.kind = .unrecognized(12) }, "institution.kind", .unrecognizedValue),
            (
                "empty occupation", { $0.licenceScopeOccupations = ["6-31-01-03", ""] },
                "institution.licence_scope_occupations[1]", .missing
            ),
            (
                "duplicate occupation", { $0.licenceScopeOccupations = ["6-31-01-03", "4-10-01-06", "6-31-01-03"] },
                "institution.licence_scope_occupations[2]", .duplicate
            ),
            ("bad phone", { $0.contactPhone = "0534 2345678" }, "institution.contact_phone", .invalidCharacter),
            (
                "blank system name", { $0.systemCertificateNames = ["institution-dev", "  "] },
                "institution.system_certificate_names[1]", .missing
            ),
            (
                "repeated system name", { $0.systemCertificateNames = ["a", "a"] },
                "institution.system_certificate_names[1]", .duplicate
            ),
            (
                "long system name", { $0.systemCertificateNames = [String(repeating: "x", count: 65)] },
                "institution.system_certificate_names[0]", .tooLong
            ),
            (
                "spaced system name", { $0.systemCertificateNames = ["a "] }, "institution.system_certificate_names[0]",
                .invalidFormat
            ),
            (
                "control in system name", { $0.systemCertificateNames = ["a\u{7}b"] },
                "institution.system_certificate_names[0]", .invalidCharacter
            ),
            (
                "17 system names", { $0.systemCertificateNames = (0..<17).map { "s\($0)" } },
                "institution.system_certificate_names", .tooLong
            ),
        ]
        for (label, edit, field, code) in cases {
            let errors = InstitutionRequestValidation.validate(req(edit))
            XCTAssertEqual(errors.map(\.field), [field], "\(label): \(errors)")
            XCTAssertEqual(errors.first?.code, code, label)
        }
        XCTAssertEqual(
            InstitutionRequestValidation.validate(req { $0.systemCertificateNames = [] }), [],
            "no system yet is allowed")
        XCTAssertEqual(
            InstitutionRequestValidation.validate(req { $0.systemCertificateNames = (0..<16).map { "系统-\($0)" } }), [])
        let kind = InstitutionRequestValidation.validate(req { $0.kind = .unrecognized(12) })
        XCTAssertEqual(kind.first?.message.contains("INSTITUTION_KIND_ENTERPRISE_TRAINING_CENTRE"), true)
    }

    func testReviewFiling() {
        XCTAssertEqual(
            InstitutionRequestValidation.validate(
                ReviewInstitutionFilingRequest(
                    requestId: "r-1", institutionId: "inst-1", accept: true, licenceScopeOccupations: ["6-31-01-03"])),
            [])
        XCTAssertEqual(
            InstitutionRequestValidation.validate(
                ReviewInstitutionFilingRequest(
                    requestId: "r-2", institutionId: "inst-1", accept: false, note: "办学许可证已过期")), [])
        let acceptEmpty = InstitutionRequestValidation.validate(
            ReviewInstitutionFilingRequest(requestId: "r-3", institutionId: "inst-1", accept: true))
        XCTAssertEqual(acceptEmpty.map(\.field), ["licence_scope_occupations"])
        XCTAssertEqual(acceptEmpty.map(\.code), [.missing])
        let rejectBare = InstitutionRequestValidation.validate(
            ReviewInstitutionFilingRequest(
                requestId: "", institutionId: "", accept: false, licenceScopeOccupations: ["x"]))
        XCTAssertEqual(rejectBare.map(\.field), ["request_id", "institution_id", "licence_scope_occupations", "note"])
    }

    func testTeacher() {
        func req(_ edit: (inout Teacher) -> Void) -> RegisterTeacherRequest {
            var t = Teacher(
                idNumber: residentID(birth: "19750910", sequence: "318"), name: "王老师", pool: .vocational,
                specialities: ["6-31-01-03"], phone: "13512345678", title: "高级讲师")
            edit(&t)
            return RegisterTeacherRequest(requestId: "t-1", teacher: t)
        }
        XCTAssertEqual(TeacherRequestValidation.validate(req { _ in }, today: today), [])
        XCTAssertEqual(
            TeacherRequestValidation.validate(
                req {
                    $0.phone = ""
                    $0.pool = .entrepreneurship
                    $0.specialities = ["SYB"]
                }, today: today), [])
        let cases: [(String, (inout Teacher) -> Void, String, ValidationError.Code)] = [
            ("bad id", { $0.idNumber = residentID(birth: "19750931") }, "teacher.id_number", .impossibleDate),
            ("no name", { $0.name = "" }, "teacher.name", .missing),
            ("pool unspecified", { $0.pool = .unspecified }, "teacher.pool", .unspecifiedValue),
            ("pool unknown", { $0.pool = .unrecognized(3) }, "teacher.pool", .unrecognizedValue),
            ("no specialities", { $0.specialities = [] }, "teacher.specialities", .missing),
            ("duplicate speciality", { $0.specialities = ["a", "a"] }, "teacher.specialities[1]", .duplicate),
            ("bad phone", { $0.phone = "1351234567" }, "teacher.phone", .invalidFormat),
        ]
        for (label, edit, field, code) in cases {
            let errors = TeacherRequestValidation.validate(req(edit), today: today)
            XCTAssertEqual(errors.map(\.field), [field], "\(label): \(errors)")
            XCTAssertEqual(errors.first?.code, code, label)
        }
    }
}
