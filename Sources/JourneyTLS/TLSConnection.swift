import JourneyConnection
import JourneyCore
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// The Decrypt stage: TLS (swift-nio-ssl) in front of any protocol, choosing among several by ALPN.
///
/// A decorator: the protocols behind it are the plain ones, unchanged. After the handshake the protocol whose name
/// ALPN agreed on (`h2`, `http/1.1`) sets itself up behind the TLS handler with the handshake's record, so its
/// first request carries the Decrypt stage; a client that offers no ALPN gets the last protocol (HTTP/1.1, as
/// RFC 7301 clients without ALPN expect).
public struct TLSConnection: ConnectionProtocol {
    /// The certificate and key, reloaded while the server runs.
    public var identity: ServerIdentity
    /// The protocols offered, most preferred first.
    public let protocols: [any ConnectionProtocol]
    /// How long a client may take to finish its handshake before the connection is closed.
    public var handshakeTimeout: TimeAmount
    /// The per-loop recorders the handshakes are counted in; nil records nothing.
    package var journey: JourneyRecorders?
    /// The logger for failed handshakes (debug: clients fail them all the time).
    public var logger: Logger
    /// The certificate for the name a client asks for by SNI (several sites, each with its own); nil, or nil for
    /// a name, serves `identity`. With it, the client's hello is read before the TLS handler is added
    /// (NIOTLS's `SNIHandler`), so each site's certificate has its own context, reloaded as `identity`'s is.
    package var identityForServerName: (@Sendable (String) -> ServerIdentity?)?

    /// `tls(h2,http/1.1)`: the metrics' and the dashboard's name for the listener.
    public let name: String
    private let applicationProtocols: [String]

    /// Serves `protocols` behind TLS with `identity`.
    public init(
        identity: ServerIdentity,
        protocols: [any ConnectionProtocol],
        handshakeTimeout: TimeAmount = .seconds(10),
        logger: Logger = Logger(label: "journey.tls")
    ) {
        precondition(!protocols.isEmpty, "TLS needs a protocol to carry")
        self.identity = identity
        self.protocols = protocols
        self.applicationProtocols = protocols.map(\.name)
        self.name = "tls(" + self.applicationProtocols.joined(separator: ",") + ")"
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
    }

    /// Adds the TLS handler and the ALPN step that sets up the chosen protocol after the handshake; with
    /// `identityForServerName`, first the step that reads the name the client asks for.
    public func configure(_ channel: any Channel) throws {
        let recorder = self.journey?.recorder(on: channel.eventLoop)
        let clock = self.journey?.clock ?? JourneyClock(running: false)
        let accepted = clock.now()
        let slot = recorder?.slot(forTLSListener: self.name)
        let failures = HandshakeFailureCounter(logger: self.logger) {
            if let slot { recorder?.handshakeFailed(slot: slot) }
        }
        // A client that connects and never finishes its hello must not hold the connection.
        let deadline = channel.eventLoop.assumeIsolated().scheduleTask(in: self.handshakeTimeout) {
            failures.countFailure()
            channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        let handshake = Handshake(
            protocols: self.protocols,
            accepted: accepted,
            clock: clock,
            recorder: recorder,
            slot: slot,
            failures: NIOLoopBound(failures, eventLoop: channel.eventLoop),
            deadline: deadline
        )
        guard let identityForServerName = self.identityForServerName else {
            try handshake.install(context: try self.identity.context(offering: self.applicationProtocols), on: channel)
            return
        }
        let identity = self.identity
        let applicationProtocols = self.applicationProtocols
        let sni = SNIHandler { result in
            channel.eventLoop.makeCompletedFuture {
                var chosen = identity
                if case .hostname(let name) = result, let named = identityForServerName(name) { chosen = named }
                try handshake.install(context: try chosen.context(offering: applicationProtocols), on: channel)
            }
        }
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(sni))
        try channel.pipeline.syncOperations.addHandler(failures)
    }

    /// One connection's handshake: the TLS handler, then the protocol ALPN agreed on, with the Decrypt stage's
    /// stamps and counts.
    private struct Handshake {
        let protocols: [any ConnectionProtocol]
        let accepted: UInt64
        let clock: JourneyClock
        let recorder: JourneyRecorder?
        let slot: Int?
        let failures: NIOLoopBound<HandshakeFailureCounter>
        let deadline: Scheduled<Void>

        /// Adds the TLS handler for `context` and what follows it (at the end of the pipeline, where an SNI step
        /// that came first has already been).
        func install(context: NIOSSLContext, on channel: any Channel) throws {
            let tls = NIOSSLServerHandler(context: context)
            let loopBound = NIOLoopBound(tls, eventLoop: channel.eventLoop)
            let (protocols, accepted, clock, recorder, slot, failures, deadline) = (
                self.protocols, self.accepted, self.clock, self.recorder, self.slot, self.failures, self.deadline
            )
            let negotiation = ApplicationProtocolNegotiationHandler { result, channel in
                deadline.cancel()
                let chosenName: String?
                switch result {
                case .negotiated(let name): chosenName = name
                case .fallback: chosenName = nil
                }
                let version = loopBound.value.tlsVersion.map(\.name) ?? "unknown"
                let handshake = TLSHandshake(
                    accepted: accepted,
                    finished: clock.now(),
                    version: version,
                    applicationProtocol: chosenName
                )
                if let slot {
                    recorder?.handshakeFinished(
                        slot: slot,
                        nanoseconds: accepted == 0 ? nil : handshake.finished - accepted,
                        version: version,
                        applicationProtocol: chosenName
                    )
                }
                let chosen = protocols.first { $0.name == chosenName } ?? protocols[protocols.count - 1]
                return channel.eventLoop.makeCompletedFuture {
                    // From here on errors are the chosen protocol's to handle.
                    channel.pipeline.syncOperations.removeHandler(failures.value, promise: nil)
                    try chosen.configure(channel, after: handshake)
                }
            }
            let pipeline = channel.pipeline.syncOperations
            if let position = try? pipeline.context(handlerType: HandshakeFailureCounter.self) {
                // After the SNI step the failure counter is already last: the TLS handlers go before it.
                try pipeline.addHandler(tls, position: .before(position.handler))
                try pipeline.addHandler(TLSRecordCoalescer(), position: .before(position.handler))
                try pipeline.addHandler(negotiation, position: .before(position.handler))
            } else {
                try pipeline.addHandler(tls)
                try pipeline.addHandler(TLSRecordCoalescer())
                try pipeline.addHandler(negotiation)
                try pipeline.addHandler(failures.value)
            }
        }
    }
}

extension TLSVersion {
    /// nginx's `$ssl_protocol` spelling.
    var name: String {
        switch self {
        case .tlsv1: "TLSv1"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}
