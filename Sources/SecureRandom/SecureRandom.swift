#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Random bytes from the kernel's generator, drawn 4 KB at a time and handed out in order, never twice.
///
/// `SystemRandomNumberGenerator` makes one getrandom(2) call per 8 bytes: a token was four system calls, a
/// page of the site six (its CSP nonce and its form key), a mail message four. The bytes are the kernel's
/// all the same; what is handed out is wiped from the pool. (A forked child would repeat the parent's bytes: the
/// processes that use it fork only to exec.)
public enum SecureRandom {
    static let blockSize = 4096

    /// Lives as long as the process: its lock and block are never freed.
    private final class Pool: @unchecked Sendable {
        let mutex: UnsafeMutablePointer<pthread_mutex_t>
        // Under `mutex`.
        let block: UnsafeMutableRawBufferPointer
        var next: Int

        init() {
            mutex = .allocate(capacity: 1)
            pthread_mutex_init(mutex, nil)
            block = .allocate(byteCount: SecureRandom.blockSize, alignment: 8)
            next = SecureRandom.blockSize
        }
    }

    private static let pool = Pool()

    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, let blockBase = pool.block.baseAddress else { return }
        pthread_mutex_lock(pool.mutex)
        defer { pthread_mutex_unlock(pool.mutex) }
        var written = 0
        while written < buffer.count {
            if pool.next == blockSize {
                arc4random_buf(blockBase, blockSize)
                pool.next = 0
            }
            let count = min(buffer.count - written, blockSize - pool.next)
            (base + written).copyMemory(from: blockBase + pool.next, byteCount: count)
            // Handed out once: wiped from the pool.
            (blockBase + pool.next).initializeMemory(as: UInt8.self, repeating: 0, count: count)
            pool.next += count
            written += count
        }
    }

    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// A generator over the pool, for `T.random(in:using:)` and the like.
    public struct Generator: RandomNumberGenerator {
        public init() {}

        public mutating func next() -> UInt64 {
            var value: UInt64 = 0
            withUnsafeMutableBytes(of: &value) { SecureRandom.fill($0) }
            return value
        }
    }
}
