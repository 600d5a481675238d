import NIOCore

/// What carries a hub's publishes to every instance's hub: Redis's pub/sub here (`RedisBackplane`), valkey-swift's
/// once it is available, or a test's in-memory one.
///
/// With a backplane a hub delivers nothing itself: a publish goes to the backplane, and every instance (this one
/// too) delivers what the backplane sends back, so every subscriber everywhere sees one order per topic.
public protocol PubSubBackplane: Sendable {
    /// Whether publishes are kept in a history that subscribers can recover from (`--pubsub-history`).
    var keepsHistory: Bool { get }

    /// Hands the backplane what to call with each message of a subscribed topic, in the topic's order; called
    /// once, by the hub, before anything else.
    func start(delivering: @escaping @Sendable (_ topic: String, _ message: PubSubMessage) -> Void)

    /// Listens to `topic` (its first local subscriber arrived); succeeds once messages published from now on
    /// will be delivered. Must not call back into the hub before returning.
    func subscribe(to topic: String) -> EventLoopFuture<Void>

    /// Stops listening to `topic` (its last local subscriber left).
    func unsubscribe(from topic: String)

    /// Publishes `message` to every instance; fails with `PubSubBackplaneUnavailable` while the backplane is down.
    func publish(_ message: PubSubMessage, to topic: String) -> EventLoopFuture<PubSubPublication>

    /// What `topic`'s history holds after `position`, for a subscriber coming back.
    func messages(of topic: String, after position: PubSubPosition) -> EventLoopFuture<PubSubHistory>

    /// Closes the backplane's connections.
    func shutdown() async
}

/// What a publish through a backplane came to.
public struct PubSubPublication: Sendable, Equatable {
    /// How many instances listen to the topic (Redis's PUBLISH count); every one of them delivers it.
    public var instances: Int
    /// The message's place in the topic's history, when one is kept.
    public var position: PubSubPosition?
    /// Without a backplane, how many subscribers it went to; with one, nil (each instance delivers its own).
    public var subscribers: Int?

    /// A publication received by `instances` instances.
    public init(instances: Int, position: PubSubPosition? = nil, subscribers: Int? = nil) {
        self.instances = instances
        self.position = position
        self.subscribers = subscribers
    }
}

/// What a topic's history holds after a position.
public enum PubSubHistory: Sendable, Equatable {
    /// Every message after the position, oldest first: nothing was lost.
    case missed([PubSubMessage])
    /// The position is older than the history keeps, or of a history that was lost: the subscriber must reload
    /// its state.
    case unrecoverable
}

/// A publish while the backplane is down: nothing was sent, and the publisher is told so (503).
public struct PubSubBackplaneUnavailable: Error, Sendable, Equatable {
    /// The error.
    public init() {}
}
