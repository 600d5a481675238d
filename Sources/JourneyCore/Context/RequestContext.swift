import Logging
import NIOCore

/// What a handler knows besides the request: where it came from, the route's parameters, the values middleware
/// attached (an authenticated user, a tenant), the request id and the journey so far.
///
/// It travels with the request through the middleware to the handler; middleware adds to a copy and hands that
/// to `next`, so what it adds is seen by everything inside it and by nothing outside.
public struct RequestContext: Sendable {
    /// The event loop that owns the connection; a future-based responder completes on it.
    public let eventLoop: any EventLoop
    /// Where response buffers come from.
    public let allocator: ByteBufferAllocator
    /// A logger carrying the connection's metadata and, once a request id is set (`RequestIDMiddleware`), the id as
    /// `request-id`.
    ///
    /// The id is added when the logger is asked for, not when the id is set: a log handler may render its metadata on
    /// every change (swift-log's `StreamLogHandler` does), which cost a routed request 5 % of its time when most
    /// handlers never log.
    public var logger: Logger {
        get {
            guard let requestID = self.requestID, self.givenLogger[metadataKey: Self.requestIDKey] == nil else {
                return self.givenLogger
            }
            var logger = self.givenLogger
            logger[metadataKey: Self.requestIDKey] = "\(requestID)"
            return logger
        }
        set { self.givenLogger = newValue }
    }
    /// The logger as it was given or set, without the request id.
    private var givenLogger: Logger
    private static let requestIDKey = "request-id"
    /// The values the route's pattern captured (`/users/{id}`), empty when the route has none.
    public var parameters: RouteParameters
    /// The request's id (`X-Request-ID`, taken or made by `RequestIDMiddleware`); nil when nothing set one.
    public var requestID: String?
    /// The instants the stages stamped before the handler was called (read, parse, decode), for handlers that
    /// report their own timing.
    public var timeline: RequestTimeline
    /// The connection's executor for the tasks its handlers run in (one per connection, made by it, so a routed
    /// request does not allocate one); nil for a context made without a connection.
    package var taskExecutor: (any TaskExecutor)?
    /// Typed values middleware attached, keyed by their `RequestContextKey` type.
    private var values: [ObjectIdentifier: any Sendable]
    /// The connection, asked for its peer's address only when a handler wants it (the lookup takes a lock).
    private let channel: (any Channel)?
    /// The peer's address when the context was not made for a connection (a test's).
    private let givenRemoteAddress: SocketAddress?
    /// The client's address as a trusted proxy gave it (PROXY header, `Forwarded`, `X-Forwarded-For`); nil when
    /// the connection's peer is the client.
    package var clientAddress: SocketAddress?

    /// Creates the context of a request that arrived on `channel`; the connection builds one per request.
    public init(channel: any Channel, logger: Logger, timeline: RequestTimeline = RequestTimeline()) {
        self.eventLoop = channel.eventLoop
        self.allocator = channel.allocator
        self.channel = channel
        self.givenRemoteAddress = nil
        self.givenLogger = logger
        self.parameters = RouteParameters()
        self.requestID = nil
        self.timeline = timeline
        self.values = [:]
        self.taskExecutor = nil
    }

    /// Creates a context without a connection: a test client's, or an embedder's that answers requests it did not
    /// read from a socket.
    public init(
        eventLoop: any EventLoop,
        logger: Logger,
        remoteAddress: SocketAddress? = nil,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
        self.eventLoop = eventLoop
        self.allocator = allocator
        self.channel = nil
        self.givenRemoteAddress = remoteAddress
        self.givenLogger = logger
        self.parameters = RouteParameters()
        self.requestID = nil
        self.timeline = RequestTimeline()
        self.values = [:]
        self.taskExecutor = nil
    }

    /// The client's address, when the transport has one: the connection's peer, or the client a trusted proxy
    /// (`--trusted-proxies`) says it forwarded for. The connection is asked only now: it takes a lock.
    public var remoteAddress: SocketAddress? {
        self.clientAddress ?? self.channel?.remoteAddress ?? self.givenRemoteAddress
    }

    /// The value middleware attached under `key`, or nil when none did.
    ///
    /// ```swift
    /// enum CurrentUser: RequestContextKey { typealias Value = User }
    /// context[CurrentUser.self] = user            // in an authentication middleware
    /// let user = try context.require(CurrentUser.self)   // in a handler: 500 when the middleware is missing
    /// ```
    public subscript<Key: RequestContextKey>(key: Key.Type) -> Key.Value? {
        get { self.values[ObjectIdentifier(key)] as? Key.Value }
        set { self.values[ObjectIdentifier(key)] = newValue }
    }

    /// The value under `key`; a missing one is the server's mistake (a route mounted without the middleware that
    /// sets it), so it throws a 500 rather than letting the handler guess.
    public func require<Key: RequestContextKey>(_ key: Key.Type) throws(HTTPError) -> Key.Value {
        guard let value = self[key] else {
            throw HTTPError(.internalServerError, detail: "The route needs \(Key.self), which no middleware set.")
        }
        return value
    }
}
