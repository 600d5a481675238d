/// What the Decrypt stage settled for a connection: when its handshake ran, and what it agreed on.
///
/// The TLS decorator hands it to the protocol it chose, so the first request's journey starts at the accept and
/// carries the handshake, and the access log can say how each request travelled.
public struct TLSHandshake: Sendable, Equatable {
    /// The connection was accepted (`JourneyClock` nanoseconds; 0 when the clock is stopped).
    public var accepted: UInt64
    /// The handshake finished.
    public var finished: UInt64
    /// The protocol version, as nginx's `$ssl_protocol` names it (`TLSv1.3`).
    public var version: String
    /// The application protocol ALPN chose (`h2`, `http/1.1`), nil when the client offered none.
    public var applicationProtocol: String?

    /// Creates the record of a finished handshake.
    package init(accepted: UInt64, finished: UInt64, version: String, applicationProtocol: String?) {
        self.accepted = accepted
        self.finished = finished
        self.version = version
        self.applicationProtocol = applicationProtocol
    }
}
