/// How the main listener encrypts: the certificate files, how often they are read again, and how long a handshake
/// may take. (The plain listener that sends browsers to https is `Configuration.Listeners.redirect`.)
public struct TLSOptions: Sendable, Equatable {
    /// The certificate chain, PEM, leaf first (`--tls-cert`).
    public var certificatePath: String
    /// Its private key, PEM (`--tls-key`).
    public var privateKeyPath: String
    /// How often the two files are read again to pick up a renewed certificate; SIGHUP reloads at once.
    public var checkInterval: Duration = .seconds(5)
    /// How long a client may take over its handshake.
    public var handshakeTimeout: Duration = .seconds(10)

    /// Serves the certificate in `certificatePath` with the key in `privateKeyPath`.
    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }
}
