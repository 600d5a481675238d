import JourneyCore
import NIOCore

/// A path that upgrades to WebSocket, with its options, an optional check of the handshake, and what runs on
/// the connection afterwards.
public struct WebSocketRoute: Sendable {
    /// Runs for the life of one connection: iterate `inbound`, send with `outbound`. Returning (or throwing)
    /// closes the connection: 1000 on return, 1011 on an error, the right code for a protocol violation.
    public typealias Handler =
        @Sendable (_ inbound: WebSocketInbound, _ outbound: WebSocketOutbound, _ context: WebSocketRequestContext)
        async throws -> Void
    /// Decides whether a valid handshake upgrades (an origin check, a token in the query or a cookie).
    public typealias UpgradeCheck = @Sendable (_ context: WebSocketRequestContext) async -> WebSocketUpgradeDecision

    /// The path, matched exactly (the query is not part of it).
    public var path: String
    /// Sizes, liveness, compression, subprotocols, origins and the slow-consumer policy.
    public var options: WebSocketOptions
    /// Asked after the handshake is found valid; nil upgrades every valid handshake.
    public var shouldUpgrade: UpgradeCheck?
    /// What runs on each connection: a session, whole messages in, messages out.
    let handler: Handler

    /// A route whose connections run `handler`.
    public init(
        _ path: String,
        options: WebSocketOptions = WebSocketOptions(),
        shouldUpgrade: UpgradeCheck? = nil,
        handler: @escaping Handler
    ) {
        self.path = path
        self.options = options
        self.shouldUpgrade = shouldUpgrade
        self.handler = handler
    }
}
