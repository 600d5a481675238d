/// How `Router.test(_:_:)` reaches the router.
public enum TestingMode: Sendable, Hashable, CaseIterable {
    /// In the test's process, without a socket: each request goes straight to the router, and its response is
    /// finished as the server would finish it (`Date`, `Content-Length`, no body for HEAD, 204 or 304). Fast; it
    /// skips the Accept, Read and Parse stages.
    case router
    /// Through a real `Server` on 127.0.0.1 with an ephemeral port, over HTTP/1.1: every stage, as a client meets
    /// them.
    case live
    /// Through a real `Server` as `live`, over cleartext HTTP/2 (prior knowledge): every request a stream of one
    /// connection.
    case liveHTTP2
}
