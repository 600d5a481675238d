import NIOCore

/// What a hub delivers to: a WebSocket connection, or a Server-Sent Events stream of a topic.
package protocol PubSubSubscriber: Sendable {
    /// The loop the subscriber's connection runs on; its deliveries run there, in publish order.
    var eventLoop: any EventLoop { get }
    /// Identifies the subscriber (a hub leaves out a sender by it).
    var connection: ObjectIdentifier { get }
    /// Delivers `frame`, encoded once for every subscriber; called on `eventLoop`.
    func sendOnLoop(_ frame: EncodedFrame)
}
