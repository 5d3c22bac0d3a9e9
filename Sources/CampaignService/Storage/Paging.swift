import CampaignProtocol
import GRDB

/// A row with a keyset position.
protocol Sequenced: FetchableRecord {
    var seq: Int64? { get }
}

/// An export page (organisers): oldest first by key, optionally one status, one page plus a look-ahead
/// row for `next`.
enum ExportPage {
    static func read<Row: Sequenced, Item: Codable & Sendable & Hashable>(
        _ db: Database, table: String, scope: (column: String, value: Int64)? = nil, after: Int64?,
        status: (some DatabaseValueConvertible)?, limit: Int,
        _ item: (Row) -> Item
    ) throws -> Page<Item> {
        var sql = "SELECT * FROM \(table) WHERE seq > ?"
        var arguments: StatementArguments = [after ?? 0]
        if let scope {
            sql += " AND \(scope.column) = ?"
            arguments += [scope.value]
        }
        if let status {
            sql += " AND status = ?"
            arguments += [status]
        }
        sql += " ORDER BY seq LIMIT ?"
        arguments += [limit + 1]
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        let page = rows.prefix(limit)
        return Page(items: page.map(item), next: rows.count > limit ? page.last?.seq.map(Cursor.encode) : nil)
    }
}

/// Export cursors (organisers only): opaque to clients, a row's sequence number inside. Public lists
/// use the last item's id instead (see `listSignatures`).
enum Cursor {
    static func encode(_ seq: Int64) -> String { "c" + String(seq, radix: 36) }

    static func decode(_ cursor: String?, field: String = "after") throws(ResponseError) -> Int64? {
        guard let cursor else { return nil }
        guard cursor.hasPrefix("c"), let seq = Int64(cursor.dropFirst(), radix: 36), seq >= 0 else {
            throw .invalidParams(field: field, reason: "is not a cursor this service returned")
        }
        return seq
    }
}
