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

    /// Adds the TLS handler and the ALPN step that sets up the chosen protocol after the handshake.
    public func configure(_ channel: any Channel) throws {
        let context = try self.identity.context(offering: self.applicationProtocols)
        let recorder = self.journey?.recorder(on: channel.eventLoop)
        let clock = self.journey?.clock ?? JourneyClock(running: false)
        let accepted = clock.now()
        let slot = recorder?.slot(forTLSListener: self.name)
        let tls = NIOSSLServerHandler(context: context)
        let protocols = self.protocols
        let logger = self.logger
        let failures = HandshakeFailureCounter(logger: logger) {
            if let slot { recorder?.handshakeFailed(slot: slot) }
        }
        let loopBound = NIOLoopBound((tls, failures), eventLoop: channel.eventLoop)
        // A client that connects and never finishes its hello must not hold the connection.
        let deadline = channel.eventLoop.assumeIsolated().scheduleTask(in: self.handshakeTimeout) {
            failures.countFailure()
            channel.close(promise: nil)
        }
        let negotiation = ApplicationProtocolNegotiationHandler { result, channel in
            deadline.cancel()
            let chosenName: String?
            switch result {
            case .negotiated(let name): chosenName = name
            case .fallback: chosenName = nil
            }
            let (tls, failures) = loopBound.value
            let version = tls.tlsVersion.map(\.name) ?? "unknown"
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
                channel.pipeline.syncOperations.removeHandler(failures, promise: nil)
                try chosen.configure(channel, after: handshake)
            }
        }
        try channel.pipeline.syncOperations.addHandler(tls)
        try channel.pipeline.syncOperations.addHandler(TLSRecordCoalescer())
        try channel.pipeline.syncOperations.addHandler(negotiation)
        try channel.pipeline.syncOperations.addHandler(failures)
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
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
