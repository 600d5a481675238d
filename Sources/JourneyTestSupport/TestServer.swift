import Journey

/// A `Server` on 127.0.0.1 with an ephemeral port, for integration tests.
public struct TestServer: Sendable {
    /// The running server.
    public let server: Server
    /// The port it listens on.
    public let port: Int
    /// What its main listener speaks, and so how `url(_:)` and `curl(_:)` reach it.
    public var transport: Transport = .http1

    /// Starts a server for `configuration` (host and port are overridden) with `router`'s routes; `prepare`
    /// runs before it starts (to add listeners).
    public static func start(
        _ configuration: Configuration = Configuration(),
        router: Router? = nil,
        over transport: Transport = .http1,
        prepare: (Server) -> Void = { _ in }
    )
        async throws -> TestServer
    {
        var configuration = transport.configure(configuration)
        configuration.listeners.main.host = "127.0.0.1"
        configuration.listeners.main.port = 0
        configuration.accept.threads = min(configuration.accept.threads, 2)
        let server = Server(configuration: configuration, router: router)
        prepare(server)
        try await server.start()
        return TestServer(server: server, port: server.port(of: .main)!, transport: transport)
    }

    /// Runs `body` against a started server and shuts it down afterwards, whatever happens.
    public static func with(
        _ configuration: Configuration = Configuration(),
        router: Router? = nil,
        over transport: Transport = .http1,
        prepare: (Server) -> Void = { _ in },
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let server = try await Self.start(configuration, router: router, over: transport, prepare: prepare)
        do {
            try await body(server)
            try await server.server.shutdown()
        } catch {
            _ = try? await server.server.shutdown()
            throw error
        }
    }

    /// The server closed every connection it had.
    public struct ConnectionsStillOpen: Error, CustomStringConvertible {
        /// How many were still open when the wait ended.
        public var count: Int
        public var description: String { "\(self.count) connections still open" }
    }

    /// Waits until the server has no connection open; throws `ConnectionsStillOpen` after `bound`.
    public func waitUntilNoConnections(within bound: Duration = .seconds(30)) async throws {
        let connections = self.server.connections
        do {
            try await waitAtMost(bound, for: "the server to close every connection") {
                await connections.waitUntilEmpty()
            }
        } catch is WaitTimedOut {
            throw ConnectionsStillOpen(count: connections.count)
        }
    }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> String { self.transport.url(path, port: self.port) }

    /// Runs curl with `arguments` over the server's transport, and checks the response came over it.
    public func curl(_ arguments: [String]) async throws -> Curl.Result {
        let result = try await Curl.run(self.transport.curlArguments + arguments)
        guard result.version == self.transport.responseVersion else {
            throw CurlError(message: "expected \(self.transport.responseVersion), got \(result.version)")
        }
        return result
    }
}
