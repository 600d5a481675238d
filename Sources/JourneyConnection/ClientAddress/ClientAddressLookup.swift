import HTTPTypes
import NIOCore

/// Who sent a connection's requests when a trusted proxy forwarded them: the connection's `ClientAddressHandler` is
/// looked for in its pipeline once, by the first request that asks.
package struct ClientAddressLookup {
    /// `.some(nil)`: looked for, and the connection has none (no proxy is trusted).
    private var handler: ClientAddressHandler??

    package init() {}

    /// The client a request with `fields` on `channel` came from; nil when the peer is the client.
    package mutating func clientAddress(of channel: any Channel, fields: HTTPFields) -> SocketAddress? {
        if self.handler == nil { self.handler = .some(ClientAddressHandler.find(in: channel)) }
        guard let handler = self.handler ?? nil else { return nil }
        return handler.clientAddress(of: channel, fields: fields)
    }
}
