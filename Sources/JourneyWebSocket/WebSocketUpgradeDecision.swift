import HTTPTypes

/// A route's answer to an opening handshake: switch protocols, or answer with an HTTP status instead.
public enum WebSocketUpgradeDecision: Sendable {
    /// Upgrade; `headerFields` go on the 101 response (e.g. a cookie).
    case upgrade(HTTPFields = [:])
    /// Do not upgrade; the client gets `status` (e.g. 403 for an origin or a token the route does not accept).
    case refuse(HTTPResponse.Status, HTTPFields = [:])
}
