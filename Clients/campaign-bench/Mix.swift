import ArgumentParser
import CampaignProtocol

/// The requests the generator can send; the raw value is the name used in `--mix`.
enum RequestKind: String, CaseIterable, Sendable {
    /// `repeat` signs again with the connection's one email: what a repeat costs beside a new signature.
    case count, list, sign, rsvp, `repeat`

    /// The wire name, taken from the contract so a renamed method breaks the build, not the numbers.
    var method: String {
        switch self {
        case .count: CountSignatures.method
        case .list: ListSignatures.method
        case .sign, .repeat: SignLetter.method
        case .rsvp: CreateRSVP.method
        }
    }
}

/// A weighted list of request kinds, such as `count=8,sign=2`.
struct Mix: Sendable, CustomStringConvertible {
    var weights: [(kind: RequestKind, weight: Int)]

    init(parsing text: String) throws {
        var weights: [(kind: RequestKind, weight: Int)] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pieces[0].trimmingSpaces
            guard let kind = RequestKind(rawValue: name) else {
                throw ValidationError("--mix: unknown request kind '\(name)' (use count, list, sign, rsvp, repeat)")
            }
            // A bare name means weight 1.
            var weight = 1
            if pieces.count == 2 {
                guard let w = Int(pieces[1].trimmingSpaces), w >= 0 else {
                    throw ValidationError("--mix: weight of '\(name)' must be a non-negative integer")
                }
                weight = w
            }
            guard !weights.contains(where: { $0.kind == kind }) else {
                throw ValidationError("--mix: '\(name)' is given twice")
            }
            if weight > 0 { weights.append((kind, weight)) }
        }
        guard !weights.isEmpty else { throw ValidationError("--mix: no request kind has a positive weight") }
        self.weights = weights
    }

    var description: String { weights.map { "\($0.kind.rawValue)=\($0.weight)" }.joined(separator: ",") }

    var kinds: Set<RequestKind> { Set(weights.map(\.kind)) }

    /// One cycle of requests in proportion to the weights, interleaved (smooth weighted round-robin) so that
    /// `count=8,sign=2` does not send eight counts and then two signs in a burst.
    var schedule: [RequestKind] {
        let divisor = weights.map(\.weight).reduce(0, gcd)
        let scaled = weights.map { (kind: $0.kind, weight: $0.weight / divisor) }
        let total = scaled.reduce(0) { $0 + $1.weight }
        var current = [Int](repeating: 0, count: scaled.count)
        var out: [RequestKind] = []
        out.reserveCapacity(total)
        for _ in 0..<total {
            var best = 0
            for i in scaled.indices {
                current[i] += scaled[i].weight
                if current[i] > current[best] { best = i }
            }
            current[best] -= total
            out.append(scaled[best].kind)
        }
        return out
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
