import CampaignProtocol
import GRDB
import Logging

/// SQLite's failures as the contract says them, where they arise: a database another process holds
/// past the busy timeout, and a disk that is full or failing, are `-32005` (the caller may try again
/// later) and a log line; anything else goes on as it is and becomes an internal error.
enum StorageFailure {
    static func contractError(_ error: any Error, logger: Logger) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            logger.warning("database busy", metadata: ["code": "\(error.resultCode)"])
            return ResponseError.unavailable("the database is busy; try again")
        case .SQLITE_FULL, .SQLITE_IOERR:
            logger.error("database write failed", metadata: ["code": "\(error.resultCode)", "error": "\(error.message ?? "")"])
            return ResponseError.unavailable("storage is failing")
        default:
            return error
        }
    }
}
