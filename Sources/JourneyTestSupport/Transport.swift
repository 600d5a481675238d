import Foundation
import Journey

/// How a test's client reaches the server: the same requests, over each wire the server speaks.
public enum Transport: String, CaseIterable, Sendable, CustomStringConvertible {
    /// HTTP/1.1 in the clear.
    case http1
    /// HTTP/2 in the clear, with prior knowledge (`--h2c`).
    case h2c
    /// HTTP/2 over TLS, chosen by ALPN.
    case h2
    /// HTTP/1.1 over TLS, chosen by ALPN (file bodies are read in chunks: no sendfile).
    case https1

    public var description: String { self.rawValue }

    /// Whether the transport is encrypted.
    public var isEncrypted: Bool { self == .h2 || self == .https1 }

    /// The HTTP version curl reports for a response over this transport (`HTTP/2`, `HTTP/1.1`).
    public var responseVersion: String { self == .h2 || self == .h2c ? "HTTP/2" : "HTTP/1.1" }

    /// `configuration` set up to serve this transport on its main listener.
    public func configure(_ configuration: Configuration) -> Configuration {
        var configuration = configuration
        switch self {
        case .http1: break
        case .h2c: configuration.http2.cleartext = true
        case .h2, .https1:
            let certificate = TestCertificate.shared
            configuration.tls = TLSOptions(
                certificatePath: certificate.certificatePath,
                privateKeyPath: certificate.privateKeyPath
            )
            // Over TLS, ALPN offers HTTP/2: a configuration made for h2c serves it that way.
            configuration.http2.cleartext = false
        }
        return configuration
    }

    /// The curl flags that make it speak this transport (and trust the test certificate).
    public var curlArguments: [String] {
        switch self {
        case .http1: ["--http1.1"]
        case .h2c: ["--http2-prior-knowledge"]
        case .h2: ["--http2", "--cacert", TestCertificate.shared.authorityPath]
        case .https1: ["--http1.1", "--cacert", TestCertificate.shared.authorityPath]
        }
    }

    /// The URL of `path` on a server of this transport at `port` (`localhost` over TLS: the certificate's name).
    public func url(_ path: String, port: Int) -> String {
        self.isEncrypted ? "https://localhost:\(port)\(path)" : "http://127.0.0.1:\(port)\(path)"
    }
}

/// A development certificate made once per test process, in a temporary folder.
public enum TestCertificate {
    /// The certificate (for localhost, 127.0.0.1 and ::1) and its authority.
    public static let shared: DevelopmentCertificate = {
        let folder = NSTemporaryDirectory() + "journey-test-certificate-\(ProcessInfo.processInfo.processIdentifier)"
        let certificate = DevelopmentCertificate(folder: folder)
        do {
            return try certificate.create(hosts: ["localhost"])
        } catch {
            fatalError("cannot make the test certificate in \(folder): \(error)")
        }
    }()
}
