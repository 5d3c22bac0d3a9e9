/// `service.backup`: a consistent copy of the live database, taken with SQLite's online backup while
/// writes go on, into the state directory's `backups/`. `path` is a file name there (default
/// `campaign-YYYYMMDDTHHMMSSZ.sqlite`, UTC); an existing file is never overwritten. `keep` (1...1000)
/// then deletes the oldest automatically named copies beyond that many.
public struct BackupService: RPCMethod {
    public static let method = "service.backup"
    public static let role = Role.admin

    public var path: String?
    public var keep: Int?

    public init(path: String? = nil, keep: Int? = nil) {
        self.path = path
        self.keep = keep
    }

    public struct Result: Codable, Sendable, Hashable {
        /// The copy's absolute path.
        public var path: String
        public var bytes: Int
        /// When the copy's snapshot began: every write acknowledged before it is in the copy.
        public var takenAt: Timestamp
        public var durationMs: Int
        /// Confirmed and pending signatures in the copy.
        public var signatures: Int
        /// File names of older automatic copies deleted for `keep`.
        public var removed: [String]

        public init(path: String, bytes: Int, takenAt: Timestamp, durationMs: Int, signatures: Int, removed: [String]) {
            self.path = path
            self.bytes = bytes
            self.takenAt = takenAt
            self.durationMs = durationMs
            self.signatures = signatures
            self.removed = removed
        }
    }
}
