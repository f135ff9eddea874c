import Essentials
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// C1 and C2, the key-industry and the general occupational capability catalogues
/// (docs/POLICY.md): hrss publishes an entry per kind and occupation (a later one for the same pair
/// is a new version), and anyone lists the entries in force on a day.
extension MatchingHandler {
    public func publishCatalogEntry(request: PublishCatalogEntryRequest, context: ServerContext) async throws
        -> CatalogEntry
    {
        guard var entry = request.entry else { throw MatchingError.invalid(field: "entry", message: "required") }
        guard entry.kind.isRecognized, entry.kind != .unspecified else {
            throw MatchingError.invalid(
                field: "entry.kind", message: "must be C1 (key industry) or C2 (general), got \(entry.kind.rawValue)")
        }
        guard let occupation = entry.occupation, !occupation.code.trimmingHorizontalWhitespace().isEmpty else {
            throw MatchingError.invalid(field: "entry.occupation.code", message: "required")
        }
        try FieldLimits.check(occupation.code, field: "entry.occupation.code", max: FieldLimits.code)
        try FieldLimits.check(occupation.name, field: "entry.occupation.name", max: FieldLimits.name)
        try FieldLimits.check(entry.industry, field: "entry.industry", max: FieldLimits.code)
        try FieldLimits.check(entry.note, field: "entry.note", max: FieldLimits.text)
        guard !entry.levels.isEmpty else {
            throw MatchingError.invalid(field: "entry.levels", message: "at least one level")
        }
        for level in entry.levels { try Self.requireLevel(level, field: "entry.levels") }
        let from = try Self.requireDate(entry.effectiveFrom, field: "entry.effective_from")
        let until = try Self.optionalDate(entry.effectiveUntil, field: "entry.effective_until")
        if let until, until < from {
            throw MatchingError.invalid(
                field: "entry.effective_until",
                message: "\(until) is before effective_from \(from)")
        }
        entry.publishedAt = Timestamps.timestamp()
        entry.publishedBy = context.peer.commonName
        let submitted = entry
        let store = self.store
        return try await environment.idempotent.run(
            request, requestID: request.requestId, context: context,
            entity: { (e: CatalogEntry) in "catalog/\(e.id)" },
            detail: { (e: CatalogEntry) in "version \(e.version)" }
        ) { connection in
            var entry = submitted
            let (from, until) = (from.description, until?.description ?? "")
            // Same kind and occupation replaces the entry (a new version); otherwise a new entry.
            if let existing = try store.catalogVersion(
                kind: entry.kind, occupationCode: occupation.code, on: connection)
            {
                entry.id = existing.id
                entry.version = existing.version + 1
                try store.replaceCatalogEntry(entry, from: from, until: until, on: connection)
            } else {
                entry.id = Self.newID("c")
                entry.version = 1
                try store.insertCatalogEntry(entry, from: from, until: until, on: connection)
            }
            return entry
        }
    }

    public func listCatalog(request: ListCatalogRequest, context: ServerContext) async throws -> ListCatalogResponse {
        guard request.kind.isRecognized else {
            throw MatchingError.invalid(field: "kind", message: "unknown catalogue kind \(request.kind.rawValue)")
        }
        let day = try Self.optionalDate(request.onDate, field: "on_date") ?? Self.today()
        let size = try Self.pageSize(request.pageSize)
        try FieldLimits.check(request.pageToken, field: "page_token", max: FieldLimits.id)
        let page = try await store.catalog(
            kind: request.kind, on: day.description, afterID: request.pageToken, limit: size)
        return ListCatalogResponse(entries: page, nextPageToken: page.count == size ? page.last?.id ?? "" : "")
    }
}
