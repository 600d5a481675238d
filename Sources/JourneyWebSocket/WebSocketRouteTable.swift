/// Where a listener's WebSocket routes are looked up: its router, the one table of every route it serves, so the
/// upgrader keeps no table of its own.
package protocol WebSocketRouteTable: Sendable {
    /// The WebSocket route at `path` (the target without its query), if there is one.
    func webSocketRoute(for path: Substring) -> WebSocketRoute?
}
