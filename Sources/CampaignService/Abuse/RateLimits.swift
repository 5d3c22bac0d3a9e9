/// Per-address limits (docs/abuse.md): a burst and a sustained window. `AddressRate` in Storage/ counts
/// the writes against them.
public struct RateLimit: Sendable {
    public var burst: Int
    public var burstWindowSeconds: Int
    public var sustained: Int
    public var sustainedWindowSeconds: Int

    public init(burst: Int, burstWindowSeconds: Int = 60, sustained: Int, sustainedWindowSeconds: Int = 600) {
        self.burst = burst
        self.burstWindowSeconds = burstWindowSeconds
        self.sustained = sustained
        self.sustainedWindowSeconds = sustainedWindowSeconds
    }
}

/// The limits of each kind of write.
public struct AbuseLimits: Sendable {
    /// Over it a signature is kept as `suspect` (defaults as the UK Parliament petitions site).
    public var signing = RateLimit(burst: 3, sustained: 10)
    /// Over these, `-32004`.
    public var pledging = RateLimit(burst: 3, sustained: 10, sustainedWindowSeconds: 3600)
    public var rsvping = RateLimit(burst: 5, sustained: 20)

    public init() {}
}
