import NIOCore

/// What asking the connection for its next message gives.
///
/// Sendable though `NIOAny` is not: what it wraps is a framer's message, which `WireProtocol` requires to be
/// Sendable.
@usableFromInline
enum WireNextMessage: @unchecked Sendable {
    /// A framed message, as NIO delivered it (`WireInbound` unwraps it as the protocol's message type).
    case message(NIOAny)
    /// The peer closed its side, or the server is shutting down.
    case ended
    /// The framer threw.
    case failed(any Error)
    /// Nothing framed yet.
    case nothingYet
}
