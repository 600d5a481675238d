import NIOCore

/// A protocol of your own on Journey's stages: a framer cuts the bytes into messages, an encoder turns
/// replies back into bytes, and `handle` is the conversation, one task per connection.
///
/// The listener (Accept), the reads and their stamps (Read), the limits, graceful shutdown, the journey
/// metrics and the dashboard come with it: `server.listen(on:protocol:)` is all a protocol needs.
///
/// The handler's task runs on the connection's event loop, so a message goes from the socket to the handler
/// and its reply back to the socket without a thread hop; replies written while more messages wait are
/// sent together, with one system call, when the handler runs out of messages or awaits something else.
public protocol WireProtocol: Sendable {
    /// What the framer makes of the bytes: NIOExtras' `LineBasedFrameDecoder`,
    /// `LengthFieldBasedFrameDecoder` and `FixedLengthFrameDecoder` are ready-made ones (bytes in, frames out).
    associatedtype Framer: ByteToMessageDecoder where Framer.InboundOut: Sendable
    /// What turns a reply into bytes (`LineEncoder`, `LengthPrefixEncoder`, or one of your own).
    associatedtype Encoder: MessageToByteEncoder where Encoder.OutboundIn: Sendable
    /// A message from the peer.
    typealias Inbound = Framer.InboundOut
    /// A message to the peer.
    typealias Outbound = Encoder.OutboundIn

    /// The name in metrics labels (`protocol="…"`), the dashboard and logs.
    var name: String { get }
    /// Per-connection limits: frame size, idle timeout, messages read ahead.
    var limits: WireLimits { get }

    /// A framer for one new connection (framers keep the partial frame between reads).
    func makeFramer() -> Framer
    /// An encoder for one new connection.
    func makeEncoder() -> Encoder

    /// The conversation with one peer: read `inbound` until it ends (the peer closed, the server is shutting
    /// down, or a frame was malformed, which throws), write to `outbound`. Returning closes the connection
    /// once what was written has been sent.
    func handle(_ inbound: WireInbound<Inbound>, _ outbound: WireOutbound<Outbound>, context: WireContext) async throws

    /// The last message for a peer whose bytes could not be framed (`error` is what the framer threw), sent
    /// before the connection closes; nil closes without a word. By default, nil.
    func farewell(for error: any Error) -> Outbound?
}

extension WireProtocol {
    /// The default limits.
    public var limits: WireLimits { WireLimits() }

    /// No farewell: a connection with a malformed frame closes without a word.
    public func farewell(for error: any Error) -> Outbound? { nil }
}
