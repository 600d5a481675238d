import Journey
import Testing

/// The configuration tree's one library-level check: every problem at once, each named by its field.
@Suite struct ConfigurationTests {
    @Test func theDefaultsAreValid() throws {
        try Configuration().validate()
    }

    @Test func everyProblemIsNamedAtOnce() {
        var configuration = Configuration()
        configuration.listeners.main.port = 70_000
        configuration.accept.threads = 0
        configuration.timeouts.headerRead = .zero
        configuration.http2.limits.maximumConcurrentStreams = 0
        configuration.webSocket.echoPath = "ws"
        configuration.webSocket.liveReload = true
        configuration.listeners.redirect = .port(0)
        #expect {
            try configuration.validate()
        } throws: { error in
            let fields = (error as? InvalidConfiguration)?.problems.map(\.field) ?? []
            return fields == [
                "listeners.main", "listeners.redirect", "accept.threads", "timeouts.headerRead",
                "http2.limits.maximumConcurrentStreams", "webSocket.echoPath", "webSocket.liveReload",
            ]
        }
    }

    struct Conflict: Sendable, CustomTestStringConvertible {
        var field: String
        var change: @Sendable (inout Configuration) -> Void
        var testDescription: String { self.field }
    }

    static let conflicts: [Conflict] = [
        Conflict(field: "http2.cleartext") {
            $0.http2.cleartext = true
            $0.tls = TLSOptions(certificatePath: "cert.pem", privateKeyPath: "key.pem")
        },
        Conflict(field: "accept.maximumConnections") { $0.accept.maximumConnections = 0 },
        Conflict(field: "timeouts.minimumBodyRate") {
            $0.timeouts.minimumBodyRate = MinimumDataRate(bytesPerSecond: 0)
        },
        Conflict(field: "webSocket.options.maximumMessageSize") { $0.webSocket.options.maximumMessageSize = 100 },
        Conflict(field: "tls.handshakeTimeout") {
            $0.tls = TLSOptions(certificatePath: "cert.pem", privateKeyPath: "key.pem")
            $0.tls?.handshakeTimeout = .zero
        },
    ]

    @Test(arguments: Self.conflicts)
    func aWrongFieldIsNamed(_ conflict: Conflict) {
        var configuration = Configuration()
        conflict.change(&configuration)
        #expect {
            try configuration.validate()
        } throws: { error in
            (error as? InvalidConfiguration)?.problems.map(\.field) == [conflict.field]
        }
    }

    @Test func aServerWithAWrongConfigurationDoesNotStart() async throws {
        var configuration = Configuration()
        configuration.accept.backlog = 0
        configuration.listeners.main.port = 0
        let server = Server(configuration: configuration)
        await #expect(throws: InvalidConfiguration.self) { try await server.start() }
        try await server.shutdown()
    }
}
