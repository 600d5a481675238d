/// What an upgrader fails with when a request is not for it (another path, say): the request is then answered as
/// any other. Any `HTTPError` an upgrader fails with instead is the answer to the request (a refused WebSocket
/// handshake gets its 403 or 426). Either way the connection closes after the answer: llhttp parses nothing after
/// a request that asks to upgrade.
public struct UpgradeDeclined: Error, Sendable {
    /// The error.
    public init() {}
}
