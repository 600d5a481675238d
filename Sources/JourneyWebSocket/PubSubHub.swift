import NIOConcurrencyHelpers
import NIOCore

/// Topics and their subscribers: a publish is encoded once and fanned out to every subscriber of its topic, one
/// task per event loop, in publish order for each publisher (each loop runs its tasks in order).
///
/// The lock guards only the topic table and is never held while writing; each subscriber's own outbound queue
/// and slow-consumer policy bound what a peer that does not read can cost.
///
/// With a backplane (`--pubsub-redis`) the hub delivers only what the backplane sends back: a publish goes to
/// every instance through it, and each instance listens to a topic while it has subscribers to the topic.
public final class PubSubHub: Sendable {
    /// Whether a publisher subscribed to the topic gets its own message back (as from Redis or MQTT).
    public let includesSender: Bool
    /// What carries publishes to the other instances; nil for a hub of this instance alone.
    public let backplane: (any PubSubBackplane)?
    /// This instance's id, which a publish's origin carries through the backplane.
    public let instance: String
    private let topics = NIOLockedValueBox([String: Topic]())

    private struct Topic {
        /// Subscribers grouped by their event loop, so a fan-out is one task per loop.
        var loops: [ObjectIdentifier: LoopSubscribers] = [:]
        var count = 0
        /// With a backplane: succeeds once the backplane delivers the topic's messages.
        var listening: EventLoopFuture<Void>?
    }

    private struct LoopSubscribers {
        let loop: any EventLoop
        var members: [ObjectIdentifier: any PubSubSubscriber] = [:]
    }

    /// A hub; `includesSender: false` leaves a publisher out of its own fan-out. With `backplane`, publishes reach
    /// the subscribers of every instance on it; `instance` names this one.
    public init(includesSender: Bool = true, backplane: (any PubSubBackplane)? = nil, instance: String = "local") {
        self.includesSender = includesSender
        self.backplane = backplane
        self.instance = instance
        backplane?.start { [weak self] topic, message in self?.deliver(message, to: topic) }
    }

    /// Adds `subscriber` to `topic` (again is a no-op).
    public func subscribe(_ subscriber: WebSocketOutbound, to topic: String) {
        self.subscribe(subscriber as any PubSubSubscriber, to: topic)
    }

    /// Adds `subscriber` to `topic` (again is a no-op).
    public func subscribe(_ subscriber: WebSocket, to topic: String) {
        self.subscribe(subscriber as any PubSubSubscriber, to: topic)
    }

    /// Adds `subscriber` (a WebSocket connection, or an event stream) to `topic`; with a backplane, the future
    /// succeeds once the topic's messages are delivered (the backplane listens to it).
    @discardableResult
    package func subscribe(_ subscriber: any PubSubSubscriber, to topic: String) -> EventLoopFuture<Void>? {
        let loop = ObjectIdentifier(subscriber.eventLoop)
        return self.topics.withLockedValue { topics in
            var entry = topics[topic] ?? Topic()
            var group = entry.loops[loop] ?? LoopSubscribers(loop: subscriber.eventLoop)
            if group.members.updateValue(subscriber, forKey: subscriber.connection) == nil { entry.count += 1 }
            entry.loops[loop] = group
            // Told under the lock, so the backplane hears of a topic's first and last subscribers in order.
            if entry.listening == nil { entry.listening = self.backplane?.subscribe(to: topic) }
            topics[topic] = entry
            return entry.listening
        }
    }

    /// Adds `subscriber` to `topic`, first sending it what it missed since `position` (when the history still
    /// holds it), then live messages, with no gap and no duplicate. `recovered` is called on the subscriber's loop
    /// before anything is sent: true when nothing was lost, false when the subscriber must reload its state.
    package func subscribe(
        _ subscriber: any PubSubSubscriber,
        to topic: String,
        since position: PubSubPosition,
        recovered: @escaping @Sendable (Bool) -> Void
    ) {
        guard let backplane = self.backplane, backplane.keepsHistory else {
            self.subscribe(subscriber, to: topic)
            subscriber.eventLoop.execute { recovered(false) }
            return
        }
        let catchingUp = CatchingUpSubscriber(subscriber, since: position)
        let listening = self.subscribe(catchingUp, to: topic) ?? subscriber.eventLoop.makeSucceededVoidFuture()
        // Read the history only once live messages are held: what is published meanwhile is in one or both.
        listening.flatMap { backplane.messages(of: topic, after: position) }
            .hop(to: subscriber.eventLoop)
            .whenComplete { result in
                guard case .success(.missed(let messages)) = result else {
                    recovered(false)
                    catchingUp.caughtUp(with: nil)
                    return
                }
                recovered(true)
                catchingUp.caughtUp(
                    with: messages.map { (PubSubCommand.delivery(topic: topic, message: $0), $0.position) }
                )
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
            self.remove(subscriber, from: topic, in: &topics)
        }
    }

    /// Removes `subscriber` from `topics` (a connection that closed).
    public func unsubscribe(_ subscriber: WebSocketOutbound, from topics: some Sequence<String>) {
        self.unsubscribe(subscriber.socket, from: topics)
    }

    /// Removes `subscriber` from `topics` (a connection that closed).
    public func unsubscribe(_ subscriber: WebSocket, from topics: some Sequence<String>) {
        self.topics.withLockedValue { table in
            for topic in topics { self.remove(subscriber, from: topic, in: &table) }
        }
    }

    /// Publishes `data` (JSON text) to `topic`'s subscribers: on every instance through the backplane, or here.
    /// Fails with `PubSubBackplaneUnavailable` while the backplane is down.
    public func publish(json data: ByteBuffer, to topic: String) async throws -> PubSubPublication {
        guard let backplane = self.backplane else { return self.publishHere(json: data, to: topic, from: nil) }
        return try await backplane.publish(self.message(json: data, from: nil), to: topic).get()
    }

    /// Publishes `data` to `topic` for `sender`, a subscriber (a WebSocket connection) on whose loop the answer is.
    package func publish(
        json data: ByteBuffer,
        to topic: String,
        from sender: any PubSubSubscriber
    ) -> EventLoopFuture<PubSubPublication> {
        guard let backplane = self.backplane else {
            return sender.eventLoop.makeSucceededFuture(self.publishHere(json: data, to: topic, from: sender))
        }
        return backplane.publish(self.message(json: data, from: sender), to: topic)
    }

    /// Without a backplane: `data` fanned out to this instance's subscribers of `topic`.
    private func publishHere(
        json data: ByteBuffer,
        to topic: String,
        from sender: (any PubSubSubscriber)?
    ) -> PubSubPublication {
        let frame = PubSubCommand.delivery(topic: topic, message: PubSubMessage(data: data, publishedAt: 0))
        let excluded = self.includesSender ? nil : sender?.connection
        return PubSubPublication(instances: 1, subscribers: self.fanOut(frame, at: nil, to: topic, excluding: excluded))
    }

    /// A publish as the backplane carries it: stamped now, with its origin (this instance and `sender`).
    private func message(json data: ByteBuffer, from sender: (any PubSubSubscriber)?) -> PubSubMessage {
        let origin = sender.map { PubSubOrigin(instance: self.instance, connection: UInt(bitPattern: $0.connection)) }
        return PubSubMessage(data: data, origin: origin, publishedAt: PubSubMessage.now())
    }

    /// Delivers what the backplane sent back to this instance's subscribers of `topic`.
    private func deliver(_ message: PubSubMessage, to topic: String) {
        let frame = PubSubCommand.delivery(topic: topic, message: message)
        var excluded: ObjectIdentifier?
        if !self.includesSender, let origin = message.origin, origin.instance == self.instance {
            excluded = self.topics.withLockedValue { topics in
                topics[topic]?.loops.values.lazy.compactMap { group in
                    group.members.keys.first { UInt(bitPattern: $0) == origin.connection }
                }.first
            }
        }
        self.fanOut(frame, at: message.position, to: topic, excluding: excluded)
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
    ///
    /// This instance's subscribers only, even with a backplane: `publish(json:to:)` reaches every instance.
    @discardableResult
    public func publish(_ frame: EncodedFrame, to topic: String, from sender: WebSocket? = nil) -> Int {
        self.fanOut(frame, at: nil, to: topic, excluding: self.includesSender ? nil : sender?.connection)
    }

    /// Sends `frame` to `topic`'s subscribers here, one task per loop; how many it went to.
    @discardableResult
    private func fanOut(
        _ frame: EncodedFrame,
        at position: PubSubPosition?,
        to topic: String,
        excluding excluded: ObjectIdentifier?
    ) -> Int {
        let groups = self.topics.withLockedValue { $0[topic].map { Array($0.loops.values) } } ?? []
        var delivered = 0
        for group in groups {
            let members = group.members
            delivered += members.count - (excluded.map { members[$0] == nil ? 0 : 1 } ?? 0)
            group.loop.execute {
                for (connection, subscriber) in members where connection != excluded {
                    subscriber.deliverOnLoop(frame, at: position)
                }
            }
        }
        return delivered
    }

    private func remove(_ subscriber: any PubSubSubscriber, from topic: String, in topics: inout [String: Topic]) {
        let loop = ObjectIdentifier(subscriber.eventLoop)
        guard var entry = topics[topic], var group = entry.loops[loop],
            group.members.removeValue(forKey: subscriber.connection) != nil
        else { return }
        entry.count -= 1
        entry.loops[loop] = group.members.isEmpty ? nil : group
        if entry.count == 0 {
            topics[topic] = nil
            if entry.listening != nil { self.backplane?.unsubscribe(from: topic) }
        } else {
            topics[topic] = entry
        }
    }
}
