import PlatformTestSupport
import Schema
import XCTest

/// What the registration rules tests share: a platform per test, requests built as the departments
/// send them, and the counts that show a refused call wrote nothing. Calls go through registration's
/// public RPCs over the in-process transport, as callers see them.
class RegistrationCallsTestCase: XCTestCase {
    var platform: TestPlatform!

    override func setUp() async throws {
        platform = try await TestPlatform.start()
    }

    override func tearDown() async throws {
        await platform.close()
    }

    func client(_ caller: TestCaller = .hrss) -> RegistrationServiceClient { platform.registration(as: caller) }

    func rid() -> String { platform.requestID("req") }

    func aWorker(
        idNumber: String? = nil, name: String = "张三", phone: String = "13812345678", hukou: Hukou = .rural,
        categories: [CategoryFact] = [], district: String = "", birthDate: CalendarDate? = nil
    ) -> Worker {
        Worker(
            idNumber: idNumber ?? platform.newIDNumber(), name: name, phone: phone, hukou: hukou,
            categories: categories, birthDate: birthDate, district: district)
    }

    func g8(evidence: String = "") -> CategoryFact {
        CategoryFact(category: .g8Unemployed, evidenceReference: evidence)
    }

    @discardableResult
    func register(_ worker: Worker? = nil, as caller: TestCaller = .hrss, requestID: String? = nil) async throws
        -> Worker
    {
        try await client(caller).registerWorker(
            RegisterWorkerRequest(requestId: requestID ?? rid(), worker: worker ?? aWorker()))
    }

    func workers(_ request: ListWorkersRequest = ListWorkersRequest(), as caller: TestCaller = .hrss) async throws
        -> [Worker]
    {
        try await client(caller).listWorkers(request) { try await $0.collect() }
    }

    func workerCount() async throws -> Int { try await workers().count }

    func assertNoWorker(_ idNumber: String, file: StaticString = #filePath, line: UInt = #line) async {
        let missing = await refusal { try await self.client().getWorker(GetWorkerRequest(key: .idNumber(idNumber))) }
        XCTAssertEqual(missing?.code, .notFound, "\(String(describing: missing))", file: file, line: line)
    }

    func anEnterprise(creditCode: String? = nil, name: String = "德州示范化工有限公司", industry: String = "C2614")
        -> Enterprise
    {
        Enterprise(
            creditCode: creditCode ?? platform.newCreditCode(), name: name, industry: industry, keyIndustry: true,
            highRisk: true, highRiskSector: "chemicals", district: "371402")
    }

    func anInstitution(
        creditCode: String? = nil, name: String = "德州市职业技能培训学校", kind: InstitutionKind = .privateTraining,
        systems: [String] = ["institution-dev"]
    ) -> Institution {
        Institution(
            creditCode: creditCode ?? platform.newCreditCode(), name: name, kind: kind, contactPhone: "0534-2345678",
            address: "德城区天衢路 1 号", district: "371402", systemCertificateNames: systems)
    }

    func file(_ institution: Institution? = nil, as caller: TestCaller = .hrss) async throws -> Institution {
        try await client(caller).registerInstitution(
            RegisterInstitutionRequest(requestId: rid(), institution: institution ?? anInstitution()))
    }

    func review(_ id: String, accept: Bool = true, scope: [String] = [], note: String = "") async throws
        -> Institution
    {
        try await client().reviewInstitutionFiling(
            ReviewInstitutionFilingRequest(
                requestId: rid(), institutionId: id, accept: accept, licenceScopeOccupations: scope, note: note))
    }

    /// Every institution matching `filter`, following the pages.
    func institutions(_ filter: ListInstitutionsRequest = ListInstitutionsRequest()) async throws -> [Institution] {
        var found: [Institution] = []
        var request = filter
        request.pageSize = 1000
        while true {
            let page = try await client().listInstitutions(request)
            found += page.institutions
            guard !page.nextPageToken.isEmpty else { return found }
            request.pageToken = page.nextPageToken
        }
    }

    func teacherCount() async throws -> Int {
        try await client().listTeachers(ListTeachersRequest(pageSize: 1000)).teachers.count
    }

    /// A unique value for filters (a district, an occupation code) so tests see only their own rows.
    func unique(_ prefix: String) -> String { "\(prefix)-\(platform.nextSerial())" }

    /// How roles without a need see an ID number: the first 4 and last 4 characters.
    func masked(_ idNumber: String) -> String {
        idNumber.prefix(4) + String(repeating: "*", count: 10) + idNumber.suffix(4)
    }
}
