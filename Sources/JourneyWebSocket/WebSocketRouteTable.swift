import HTTPTypes
import JourneyCore

/// Where a listener's WebSocket routes are looked up: its router, the one table of every route it serves, so the
/// upgrader keeps no table of its own.
package protocol WebSocketRouteTable: Sendable {
    /// The WebSocket route at `path` (the target without its query), if there is one.
    func webSocketRoute(for path: Substring) -> WebSocketRoute?

    /// Runs what wraps every request of the table's (a router's middleware) on an upgrade request, before it
    /// upgrades: an authentication middleware refuses it as it would refuse any request.
    func admit(_ request: Request, context: RequestContext) async -> WebSocketAdmission

    /// Whether `admit` admits every request without running anything (no middleware): the upgrade then needs no
    /// task to ask it.
    var admitsEveryUpgrade: Bool { get }
}

extension WebSocketRouteTable {
    /// Admitted: nothing wraps the table's requests.
    package func admit(_ request: Request, context: RequestContext) async -> WebSocketAdmission { .admitted([:]) }

    /// Nothing wraps the table's requests.
    package var admitsEveryUpgrade: Bool { true }
}

/// What a table's middleware made of an upgrade request.
package enum WebSocketAdmission: Sendable {
    /// It may upgrade; these fields go on the 101 (a request id, say).
    case admitted(HTTPFields)
    /// It is refused with this status and these fields.
    case refused(HTTPResponse.Status, HTTPFields)
}
