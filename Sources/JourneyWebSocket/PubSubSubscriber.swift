import NIOCore

/// What a hub delivers to: a WebSocket connection, or a Server-Sent Events stream of a topic.
package protocol PubSubSubscriber: Sendable {
    /// The loop the subscriber's connection runs on; its deliveries run there, in publish order.
    var eventLoop: any EventLoop { get }
    /// Identifies the subscriber (a hub leaves out a sender by it).
    var connection: ObjectIdentifier { get }
    /// Delivers `frame`, encoded once for every subscriber; called on `eventLoop`.
    func sendOnLoop(_ frame: EncodedFrame)
    /// Delivers `frame`, the message at `position` in its topic's history (nil without one); called on
    /// `eventLoop`. A subscriber catching up on what it missed holds live messages back until it has.
    func deliverOnLoop(_ frame: EncodedFrame, at position: PubSubPosition?)
}

extension PubSubSubscriber {
    /// A subscriber that does not catch up sends every delivery as it comes.
    package func deliverOnLoop(_ frame: EncodedFrame, at position: PubSubPosition?) {
        self.sendOnLoop(frame)
    }
}
