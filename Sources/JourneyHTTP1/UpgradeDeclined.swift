/// What an upgrader fails with when a request is not for it (another path, say): the request is then answered as
/// any other. Any `HTTPError` an upgrader fails with instead is the answer to the request (a refused WebSocket
/// handshake gets its 403 or 426), and the connection stays open.
public struct UpgradeDeclined: Error, Sendable {
    /// The error.
    public init() {}
}
