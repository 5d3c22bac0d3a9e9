import NIOCore

/// What the connection loop receives: a message, or word that a newline-delimited frame was too large
/// and skipped (the connection stays usable), or a framing failure after which it must close.
enum Frame: Sendable {
    case message(ByteBuffer)
    case oversized
    case broken(reason: String)
}
