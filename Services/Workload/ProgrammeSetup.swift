import Essentials
import RPC
import Schema

/// The platform ids of a population's institutions and offerings once they are registered and published.
public struct PublishedProgramme: Sendable {
    public let institutionIDs: [String]
    public let offeringIDs: [String]
}

/// Registers a population's enterprises and institutions (with accepted filings), publishes the
/// C1/C2 catalogue and every offering (O2). Each call carries a request_id derived from
/// `requestPrefix` and the item, reused on retry.
public struct ProgrammeSetup: Sendable {
    public let population: Population
    public let clients: PlatformClients
    public let retry: CallRetry
    public let requestPrefix: String
    /// The platform refuses to select an offering whose end date has passed, so an offering is
    /// published open until at least this day; its trainees still complete on the planned day.
    public let openUntil: CivilDate
    public let dates: BusinessDates

    public init(
        population: Population, clients: PlatformClients, retry: CallRetry, requestPrefix: String, openUntil: CivilDate,
        dates: BusinessDates = BusinessDates(enabled: false)
    ) {
        self.dates = dates
        self.population = population
        self.clients = clients
        self.retry = retry
        self.requestPrefix = requestPrefix
        self.openUntil = openUntil
    }

    public func run(concurrency: Int) async throws -> PublishedProgramme {
        let population = self.population
        let executors = clients.executors
        try await forEach(population.enterprises.indices, concurrency: concurrency, executors: executors) { i in
            _ = try await self.registerEnterprise(i)
        }
        let institutionIDs = try await map(
            population.institutions.indices, concurrency: concurrency, executors: executors
        ) { i in
            try await self.registerInstitution(i)
        }
        try await forEach(population.catalogue.indices, concurrency: concurrency, executors: executors) { i in
            let entry = population.catalogue[i]
            _ = try await self.retry.run("MatchingService/PublishCatalogEntry") {
                try await self.clients.matching("hrss").publishCatalogEntry(
                    PublishCatalogEntryRequest(requestId: "\(self.requestPrefix)-cat-\(i)", entry: entry),
                    options: self.dates.on(population.catalogue[i].effectiveFrom.map(\.civilDate) ?? self.openUntil))
            }
        }
        let offeringIDs = try await map(population.offerings.indices, concurrency: concurrency, executors: executors) {
            i in
            try await self.publishOffering(i, institutionID: institutionIDs[population.offerings[i].institutionIndex])
        }
        return PublishedProgramme(institutionIDs: institutionIDs, offeringIDs: offeringIDs)
    }

    func registerEnterprise(_ i: Int) async throws -> Enterprise {
        let enterprise = population.enterprises[i]
        return try await retry.run("RegistrationService/RegisterEnterprise") {
            try await clients.registration("enterprise").registerEnterprise(
                RegisterEnterpriseRequest(requestId: "\(requestPrefix)-ent-\(i)", enterprise: enterprise))
        }
    }

    func registerInstitution(_ i: Int) async throws -> String {
        let planned = population.institutions[i]
        let filed = try await retry.run("RegistrationService/RegisterInstitution") {
            try await clients.registration("hrss").registerInstitution(
                RegisterInstitutionRequest(requestId: "\(requestPrefix)-inst-\(i)", institution: planned.institution))
        }
        _ = try await retry.run("RegistrationService/ReviewInstitutionFiling") {
            try await clients.registration("hrss").reviewInstitutionFiling(
                ReviewInstitutionFilingRequest(
                    requestId: "\(requestPrefix)-review-\(i)", institutionId: filed.id, accept: true,
                    licenceScopeOccupations: planned.licenceScope, note: "材料齐全，准予备案"))
        }
        return filed.id
    }

    func publishOffering(_ i: Int, institutionID: String) async throws -> String {
        let planned = population.offerings[i]
        let offering = Offering(
            occupation: planned.occupation, level: planned.skillLevel, institutionId: institutionID,
            capacity: Int32(planned.capacity),
            startDate: planned.start.calendarDate,
            endDate: (dates.enabled ? planned.end : max(planned.end, openUntil)).calendarDate,
            mode: i % 3 == 0 ? .blended : .offline, kind: planned.kind, subsidyStandardFen: 0,
            classHours: Int32(40 + i % 5 * 20),
            venue: "德州市实训基地\(i % 7 + 1)号楼", enterpriseCreditCode: planned.enterpriseCreditCode,
            projectId: planned.projectID,
            catalog: planned.catalog)
        let published = try await retry.run("MatchingService/PublishOffering") {
            try await clients.matching("hrss").publishOffering(
                PublishOfferingRequest(requestId: "\(requestPrefix)-off-\(i)", offering: offering),
                options: dates.on(planned.start.adding(days: -30)))
        }
        return published.id
    }

    /// Registers a worker with the role that attests their category; returns the platform id.
    public static func registerWorker(
        _ worker: PopulationWorker, clients: PlatformClients, retry: CallRetry,
        requestID: String
    ) async throws -> String {
        let registered = try await retry.run("RegistrationService/RegisterWorker") {
            try await clients.registration(worker.registeringRole).registerWorker(
                RegisterWorkerRequest(requestId: requestID, worker: worker.worker))
        }
        return registered.id
    }
}

/// Runs `body` for every element with at most `concurrency` at a time; the first error wins.
/// Element `i` runs on `executors[i % executors.count]` (the clients' event loops, so that its
/// calls need no hand-off between threads), or on the global executor when there are none.
func forEach(
    _ items: Range<Int>, concurrency: Int, executors: [EventLoopTaskExecutor] = [],
    _ body: @escaping @Sendable (Int) async throws -> Void
) async throws {
    _ = try await map(items, concurrency: concurrency, executors: executors) { try await body($0) }
}

/// `body` of every element, in order, with at most `concurrency` running at a time (executors as
/// in `forEach`).
func map<T: Sendable>(
    _ items: Range<Int>, concurrency: Int, executors: [EventLoopTaskExecutor] = [],
    _ body: @escaping @Sendable (Int) async throws -> T
) async throws -> [T] {
    try await withThrowingTaskGroup(of: (Int, T).self) { group in
        func add(_ i: Int) {
            let executor = executors.isEmpty ? nil : executors[i % executors.count]
            group.addTask(executorPreference: executor) { (i, try await body(i)) }
        }
        var results: [T?] = Array(repeating: nil, count: items.count)
        var next = items.lowerBound
        while next < items.upperBound && next - items.lowerBound < max(1, concurrency) {
            add(next)
            next += 1
        }
        while let (i, value) = try await group.next() {
            results[i - items.lowerBound] = value
            if next < items.upperBound {
                add(next)
                next += 1
            }
        }
        return results.compactMap { $0 }
    }
}
