import Logging
import NIOCertificateReloading
import NIOConcurrencyHelpers
import NIOSSL
import X509

/// The certificate chain and key a TLS listener proves itself with, kept current while the server runs.
///
/// swift-nio-extras' `TimedCertificateReloader` reads and checks the PEM files (the key must match the
/// certificate; a half-written pair is refused and the last good one kept). When what it loaded differs from what
/// is served, the TLS contexts are rebuilt then, off the event loops, so a handshake only picks up the current
/// context: no per-connection callback, no dropped connection — the ones open keep the context they began with.
public final class ServerIdentity: Sendable {
    /// Where the certificate chain (PEM, leaf first) is read from.
    public let certificatePath: String
    /// Where the private key (PEM) is read from.
    public let privateKeyPath: String
    private let reloader: TimedCertificateReloader
    private let state: NIOLockedValueBox<State>
    private let logger: Logger

    private struct State {
        var chain: [Certificate] = []
        var key: Certificate.PrivateKey?
        var sources: (chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource)?
        /// The TLS contexts made for the current pair, by the ALPN list they offer.
        var contexts: [[String]: NIOSSLContext] = [:]
        var reloads = 0
        /// Waiting for more adopted pairs than they have seen (`waitForRenewal(beyond:)`).
        var waiters: [(seen: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// Loads the pair now; throws when either file is missing or unreadable, or the key does not match.
    ///
    /// - Parameter checkInterval: how often the files are read again to see whether they changed.
    public init(
        certificatePath: String,
        privateKeyPath: String,
        checkInterval: Duration = .seconds(5),
        logger: Logger = Logger(label: "journey.tls")
    ) throws {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.logger = logger
        let state = NIOLockedValueBox(State())
        self.state = state
        var configuration = TimedCertificateReloader.Configuration(
            refreshInterval: checkInterval,
            certificateSource: .init(location: .file(path: certificatePath), format: .pem),
            privateKeySource: .init(location: .file(path: privateKeyPath), format: .pem)
        )
        configuration.onCertificateLoaded = { loaded in
            Self.adopt(loaded, into: state, logger: logger)
        }
        configuration.onCertificateLoadFailed = { failure in
            logger.warning(
                "certificate reload failed; still serving the previous certificate",
                metadata: ["error": "\(failure.error)", "certificate": "\(certificatePath)"]
            )
        }
        self.reloader = try TimedCertificateReloader.makeReloaderValidatingSources(configuration: configuration)
    }

    /// Reads the files again now (SIGHUP). Blocks on disk: call it off the event loops.
    public func reload() throws {
        try self.reloader.reload()
    }

    /// Reads the files again every `checkInterval` until the task is cancelled.
    public func watch() async throws {
        try await self.reloader.run()
    }

    /// How many times a changed pair was adopted since start-up.
    public var reloads: Int { self.state.withLockedValue { $0.reloads } }

    /// Returns once more than `seen` renewed pairs have been adopted (by `reload()` or the file check): pass
    /// `reloads` as read before, to log or announce the next renewal (or, in a test, wait for it).
    public func waitForRenewal(beyond seen: Int) async {
        await withCheckedContinuation { continuation in
            let ready = self.state.withLockedValue { state in
                if state.reloads > seen { return true }
                state.waiters.append((seen, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The leaf certificate now served.
    public var certificate: Certificate? { self.state.withLockedValue { $0.chain.first } }

    /// The TLS context for the current pair that offers `applicationProtocols` through ALPN (made once per pair).
    public func context(offering applicationProtocols: [String]) throws -> NIOSSLContext {
        try self.state.withLockedValue { state in
            if let context = state.contexts[applicationProtocols] { return context }
            guard let sources = state.sources else { throw TLSConfiguration.CertificateReloaderError.missingPrivateKey }
            let context = try Self.makeContext(sources, applicationProtocols: applicationProtocols)
            state.contexts[applicationProtocols] = context
            return context
        }
    }

    /// TLS 1.2 and 1.3 with NIOSSL's modern cipher list (ECDHE with AES-GCM or ChaCha20-Poly1305 only), and a
    /// short wait for the client's close_notify.
    private static func makeContext(
        _ sources: (chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource),
        applicationProtocols: [String]
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: sources.chain,
            privateKey: sources.key
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = applicationProtocols
        // After its close_notify NIOSSL waits for the client's (even once the client has sent its FIN, after which
        // none can come), and its timer keeps the connection's buffers (~20 KB) alive for the whole wait: 5 s of a
        // handshake flood was ~300 MB. A client that answers does so within a round trip; nginx does not wait.
        configuration.shutdownTimeout = .milliseconds(100)
        return try NIOSSLContext(configuration: configuration)
    }

    /// Takes a freshly loaded pair if it differs from the one served: new contexts for every ALPN list in use.
    private static func adopt(
        _ loaded: TimedCertificateReloader.CertificateChainAndKeyPairReloadDiff,
        into state: NIOLockedValueBox<State>,
        logger: Logger
    ) {
        let changed = state.withLockedValue { state in
            state.chain != loaded.currentX509CertificateChain || state.key != loaded.currentX509PrivateKey
        }
        guard changed else { return }
        let sources = (chain: loaded.currentCertificateChain, key: loaded.currentPrivateKey)
        let lists = state.withLockedValue { Array($0.contexts.keys) }
        var contexts: [[String]: NIOSSLContext] = [:]
        for list in lists {
            do {
                contexts[list] = try Self.makeContext(sources, applicationProtocols: list)
            } catch {
                logger.warning(
                    "certificate reload failed; still serving the previous certificate",
                    metadata: ["error": "\(error)"]
                )
                return
            }
        }
        let (isFirst, waiters) = state.withLockedValue { state in
            let isFirst = state.sources == nil
            state.chain = loaded.currentX509CertificateChain
            state.key = loaded.currentX509PrivateKey
            state.sources = sources
            state.contexts = contexts
            if !isFirst { state.reloads += 1 }
            let reloads = state.reloads
            let ready = state.waiters.filter { $0.seen < reloads }.map(\.continuation)
            state.waiters.removeAll { $0.seen < reloads }
            return (isFirst, ready)
        }
        for waiter in waiters { waiter.resume() }
        if !isFirst {
            logger.notice(
                "certificate reloaded",
                metadata: ["subject": "\(loaded.currentX509CertificateChain.first?.subject.description ?? "?")"]
            )
        }
    }
}
