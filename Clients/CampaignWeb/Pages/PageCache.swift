import CampaignProtocol
import NIOCore

/// The rendered `/`, shared by every visitor until it expires or `invalidate()` is called (on every
/// `campaign.changed`), so that a crowd reloading the page costs campaignd one render per change.
/// The bytes are kept with placeholders for what differs per response: the CSP nonce and the pledge
/// form's idempotency key.
public final class PageCache: Sendable {
    let maxAge: Duration
    private let state = Locked(State())

    struct State {
        var entry: Entry?
        var generation = 0
        var rendering = false
        var waiters: [CheckedContinuation<Step, Never>] = []
    }

    struct Entry {
        var page: CachedLetterPage
        var renderedAt: ContinuousClock.Instant
        var generation: Int
    }

    enum Step {
        case hit(CachedLetterPage)
        case failed(any Error)
        case render(generation: Int)
    }

    public init(maxAge: Duration = .seconds(1)) {
        self.maxAge = maxAge
    }

    /// Drops the page: the next request renders it again.
    public func invalidate() {
        state.withLock { state in
            state.generation += 1
            state.entry = nil
        }
    }

    /// The page if one is cached and fresh: the crowd's case, without a continuation.
    func fresh() -> CachedLetterPage? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entry, entry.generation == state.generation, now - entry.renderedAt < maxAge else { return nil }
            return entry.page
        }
    }

    /// The page, rendered by `render` if there is none fresh. Concurrent requests share one render.
    func page(render: () async throws -> CachedLetterPage) async throws -> CachedLetterPage {
        if let fresh = fresh() { return fresh }
        let step = await withCheckedContinuation { (continuation: CheckedContinuation<Step, Never>) in
            let now = ContinuousClock.now
            let immediate: Step? = state.withLock { state in
                if let entry = state.entry, entry.generation == state.generation, now - entry.renderedAt < maxAge {
                    return .hit(entry.page)
                }
                if state.rendering {
                    state.waiters.append(continuation)
                    return nil
                }
                state.rendering = true
                return .render(generation: state.generation)
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        switch step {
        case .hit(let page): return page
        case .failed(let error): throw error
        case .render(let generation):
            let outcome: Result<CachedLetterPage, any Error>
            do {
                outcome = .success(try await render())
            } catch {
                outcome = .failure(error)
            }
            let waiters = state.withLock { state in
                defer { state.waiters = [] }
                state.rendering = false
                if case .success(let page) = outcome {
                    state.entry = Entry(page: page, renderedAt: .now, generation: generation)
                }
                return state.waiters
            }
            for waiter in waiters {
                switch outcome {
                case .success(let page): waiter.resume(returning: .hit(page))
                case .failure(let error): waiter.resume(returning: .failed(error))
                }
            }
            return try outcome.get()
        }
    }
}

/// `/` as rendered once: the data it shows, and its HTML cut at the per-response placeholders.
struct CachedLetterPage: Sendable {
    var data: LetterPageData
    /// Text, then alternately a slot and text; as UTF-8 bytes, copied straight into each response.
    var pieces: [ByteBuffer]
    var slots: [Slot]
    var byteCount: Int

    enum Slot: Sendable {
        case nonce, formKey
    }

    /// `html` rendered with `nonce` and `formKey` set to random markers, cut at each marker.
    init(data: LetterPageData, render: (_ nonce: String, _ formKey: String) -> String) {
        // Random markers: nothing the visitors typed can contain them.
        let marker = "\u{1}" + SecurityHeadersMiddleware.makeNonce().filter { $0.isLetter || $0.isNumber }
        let html = render(marker + "n", marker + "k")
        var pieces: [ByteBuffer] = []
        var slots: [Slot] = []
        let parts = html.components(separatedBy: marker)
        pieces.append(ByteBuffer(string: parts[0]))
        for part in parts.dropFirst() {
            slots.append(part.hasPrefix("n") ? .nonce : .formKey)
            pieces.append(ByteBuffer(string: String(part.dropFirst())))
        }
        self.data = data
        self.pieces = pieces
        self.slots = slots
        self.byteCount = pieces.reduce(0) { $0 + $1.readableBytes }
    }

    /// The page for one response: one allocation, the pieces copied in.
    func body(nonce: String, formKey: String) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(byteCount + slots.count * 64)
        out.writeImmutableBuffer(pieces[0])
        for (slot, piece) in zip(slots, pieces.dropFirst()) {
            out.writeString(slot == .nonce ? nonce : formKey)
            out.writeImmutableBuffer(piece)
        }
        return out
    }

    func html(nonce: String, formKey: String) -> String {
        String(buffer: body(nonce: nonce, formKey: formKey))
    }
}
