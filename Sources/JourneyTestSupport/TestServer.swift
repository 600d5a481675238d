import Journey

/// A `Server` on 127.0.0.1 with an ephemeral port, for integration tests.
public struct TestServer: Sendable {
    /// The running server.
    public let server: Server
    /// The port it listens on.
    public let port: Int

    /// Starts a server for `configuration` (host and port are overridden) with `router`'s routes; `prepare`
    /// runs before it starts (to add listeners).
    public static func start(
        _ configuration: Configuration = Configuration(),
        router: Router = Router(),
        prepare: (Server) -> Void = { _ in }
    )
        async throws -> TestServer
    {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.threads = min(configuration.threads, 2)
        let server = Server(configuration: configuration, router: router)
        prepare(server)
        try await server.start()
        return TestServer(server: server, port: server.ports[0])
    }

    /// Runs `body` against a started server and shuts it down afterwards, whatever happens.
    public static func with(
        _ configuration: Configuration = Configuration(),
        router: Router = Router(),
        prepare: (Server) -> Void = { _ in },
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let server = try await Self.start(configuration, router: router, prepare: prepare)
        do {
            try await body(server)
            try await server.server.shutdown()
        } catch {
            _ = try? await server.server.shutdown()
            throw error
        }
    }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> String { Curl.url(path, port: self.port) }
}
