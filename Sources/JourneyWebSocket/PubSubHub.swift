import NIOConcurrencyHelpers
import NIOCore

/// Topics and their subscribers: a publish is encoded once and fanned out to every subscriber of its topic, one
/// task per event loop, in publish order for each publisher (each loop runs its tasks in order).
///
/// The lock guards only the topic table and is never held while writing; each subscriber's own outbound queue
/// and slow-consumer policy bound what a peer that does not read can cost.
public final class PubSubHub: Sendable {
    /// Whether a publisher subscribed to the topic gets its own message back (as from Redis or MQTT).
    public let includesSender: Bool
    private let topics = NIOLockedValueBox([String: Topic]())

    private struct Topic {
        /// Subscribers grouped by their event loop, so a fan-out is one task per loop.
        var loops: [ObjectIdentifier: LoopSubscribers] = [:]
        var count = 0
    }

    private struct LoopSubscribers {
        let loop: any EventLoop
        var members: [ObjectIdentifier: any PubSubSubscriber] = [:]
    }

    /// A hub; `includesSender: false` leaves a publisher out of its own fan-out.
    public init(includesSender: Bool = true) {
        self.includesSender = includesSender
    }

    /// Adds `subscriber` to `topic` (again is a no-op).
    public func subscribe(_ subscriber: WebSocketOutbound, to topic: String) {
        self.subscribe(subscriber as any PubSubSubscriber, to: topic)
    }

    /// Adds `subscriber` to `topic` (again is a no-op).
    public func subscribe(_ subscriber: WebSocket, to topic: String) {
        self.subscribe(subscriber as any PubSubSubscriber, to: topic)
    }

    /// Adds `subscriber` (a WebSocket connection, or an event stream) to `topic`.
    package func subscribe(_ subscriber: any PubSubSubscriber, to topic: String) {
        let loop = ObjectIdentifier(subscriber.eventLoop)
        self.topics.withLockedValue { topics in
            var entry = topics[topic] ?? Topic()
            var group = entry.loops[loop] ?? LoopSubscribers(loop: subscriber.eventLoop)
            if group.members.updateValue(subscriber, forKey: subscriber.connection) == nil { entry.count += 1 }
            entry.loops[loop] = group
            topics[topic] = entry
        }
    }

    /// Removes `subscriber` from `topic`.
    public func unsubscribe(_ subscriber: WebSocketOutbound, from topic: String) {
        self.unsubscribe(subscriber as any PubSubSubscriber, from: topic)
    }

    /// Removes `subscriber` from `topic`.
    public func unsubscribe(_ subscriber: WebSocket, from topic: String) {
        self.unsubscribe(subscriber as any PubSubSubscriber, from: topic)
    }

    /// Removes `subscriber` (a WebSocket connection, or an event stream) from `topic`.
    package func unsubscribe(_ subscriber: any PubSubSubscriber, from topic: String) {
        self.topics.withLockedValue { topics in
            Self.remove(subscriber, from: topic, in: &topics)
        }
    }

    /// Removes `subscriber` from `topics` (a connection that closed).
    public func unsubscribe(_ subscriber: WebSocketOutbound, from topics: some Sequence<String>) {
        self.unsubscribe(subscriber.socket, from: topics)
    }

    /// Removes `subscriber` from `topics` (a connection that closed).
    public func unsubscribe(_ subscriber: WebSocket, from topics: some Sequence<String>) {
        self.topics.withLockedValue { table in
            for topic in topics { Self.remove(subscriber, from: topic, in: &table) }
        }
    }

    /// How many connections subscribe to `topic`.
    public func subscriberCount(of topic: String) -> Int {
        self.topics.withLockedValue { $0[topic]?.count ?? 0 }
    }

    /// Sends `frame` to every subscriber of `topic` (but `sender`, unless the hub includes senders); returns how
    /// many it went to.
    @discardableResult
    public func publish(_ frame: EncodedFrame, to topic: String, from sender: WebSocketOutbound) -> Int {
        self.publish(frame, to: topic, from: sender.socket)
    }

    /// Sends `frame` to every subscriber of `topic` (but `sender`, unless the hub includes senders); returns how
    /// many it went to.
    @discardableResult
    public func publish(_ frame: EncodedFrame, to topic: String, from sender: WebSocket? = nil) -> Int {
        let groups = self.topics.withLockedValue { $0[topic].map { Array($0.loops.values) } } ?? []
        let excluded = self.includesSender ? nil : sender?.connection
        var delivered = 0
        for group in groups {
            let members = group.members
            delivered += members.count - (excluded.map { members[$0] == nil ? 0 : 1 } ?? 0)
            group.loop.execute {
                for (connection, subscriber) in members where connection != excluded {
                    subscriber.sendOnLoop(frame)
                }
            }
        }
        return delivered
    }

    private static func remove(_ subscriber: any PubSubSubscriber, from topic: String, in topics: inout [String: Topic])
    {
        let loop = ObjectIdentifier(subscriber.eventLoop)
        guard var entry = topics[topic], var group = entry.loops[loop],
            group.members.removeValue(forKey: subscriber.connection) != nil
        else { return }
        entry.count -= 1
        entry.loops[loop] = group.members.isEmpty ? nil : group
        topics[topic] = entry.count == 0 ? nil : entry
    }
}
