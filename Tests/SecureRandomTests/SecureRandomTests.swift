import Testing

@testable import SecureRandom

struct SecureRandomTests {
    @Test func drawsAreNeverRepeatedAcrossBlocksAndThreads() async {
        // 64 tasks × 200 draws of 16 bytes: 50 blocks of the pool, refilled while other tasks draw.
        let draws = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<64 {
                group.addTask { (0..<200).map { _ in SecureRandom.bytes(16) } }
            }
            var all: [[UInt8]] = []
            for await some in group { all += some }
            return all
        }
        #expect(draws.count == 12_800)
        #expect(Set(draws).count == draws.count)
    }

    @Test func aDrawLargerThanABlockIsFilledWhole() {
        let bytes = SecureRandom.bytes(3 * SecureRandom.blockSize + 17)
        // Each stretch of 256 bytes has some non-zero byte (all zero: 2^-2048).
        for start in stride(from: 0, to: bytes.count, by: 256) {
            #expect(bytes[start..<min(start + 256, bytes.count)].contains { $0 != 0 }, "bytes from \(start)")
        }
    }

    @Test func everyByteValueTurnsUpAboutEquallyOften() {
        var counts = [Int](repeating: 0, count: 256)
        for byte in SecureRandom.bytes(256 * 1024) { counts[Int(byte)] += 1 }
        // 1,024 expected of each; a uniform source leaves [850, 1200] about once in 10^8 runs.
        #expect(counts.allSatisfy { (850...1200).contains($0) }, "\(counts.min() ?? 0)...\(counts.max() ?? 0)")
    }

    @Test func theGeneratorDrawsFromThePool() {
        var generator = SecureRandom.Generator()
        let values = (0..<1000).map { _ in generator.next() }
        #expect(Set(values).count == values.count)
        #expect(Int.random(in: 0..<10, using: &generator) < 10)
    }
}
