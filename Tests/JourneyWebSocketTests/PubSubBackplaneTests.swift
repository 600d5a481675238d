import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import JourneyWebSocket

@Suite struct PubSubPositionTests {
    @Test func readsAndWritesItsText() throws {
        let position = try #require(PubSubPosition("ab12:1700000000000-3"))
        #expect(position.epoch == "ab12" && position.milliseconds == 1_700_000_000_000 && position.sequence == 3)
        #expect(position.description == "ab12:1700000000000-3")
        #expect(position.entry == "1700000000000-3")
        // The epoch may hold colons: the entry is after the last one.
        #expect(PubSubPosition("a:b:5-0")?.epoch == "a:b")
        for text in ["", "abc", ":1-0", "e:1", "e:1-", "e:-1", "e:x-0", "e:1-0-0"] {
            #expect(PubSubPosition(text) == nil, "\(text)")
        }
    }

    @Test func ordersByEntry() throws {
        let positions = ["e:2-0", "e:1-5", "e:10-0", "e:1-10"].compactMap(PubSubPosition.init)
        #expect(positions.sorted().map(\.entry) == ["1-5", "1-10", "2-0", "10-0"])
    }
}

/// What a test subscriber was sent, as the text of each frame, on an embedded loop.
private final class RecordingSubscriber: PubSubSubscriber {
    let eventLoop: any EventLoop
    private let sent = NIOLockedValueBox<[String]>([])

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    var connection: ObjectIdentifier { ObjectIdentifier(self) }
    var texts: [String] { self.sent.withLockedValue { $0 } }

    func sendOnLoop(_ frame: EncodedFrame) {
        var bytes = frame.bytes
        bytes.moveReaderIndex(forwardBy: 2)
        self.sent.withLockedValue { $0.append(bytes.readString(length: bytes.readableBytes) ?? "") }
    }
}

/// A backplane in memory: what it is told, and a hand on what it delivers.
private final class MemoryBackplane: PubSubBackplane {
    let loop: EmbeddedEventLoop
    private let state = NIOLockedValueBox(State())

    struct State {
        var deliver: (@Sendable (String, PubSubMessage) -> Void)?
        var listening: [String: EventLoopPromise<Void>] = [:]
        var log: [String] = []
        var published: [(String, PubSubMessage)] = []
        var history: PubSubHistory = .missed([])
    }

    init(loop: EmbeddedEventLoop) {
        self.loop = loop
    }

    var keepsHistory: Bool { true }
    var log: [String] { self.state.withLockedValue { $0.log } }
    var published: [(String, PubSubMessage)] { self.state.withLockedValue { $0.published } }

    func start(delivering: @escaping @Sendable (String, PubSubMessage) -> Void) {
        self.state.withLockedValue { $0.deliver = delivering }
    }

    func subscribe(to topic: String) -> EventLoopFuture<Void> {
        let promise = self.loop.makePromise(of: Void.self)
        self.state.withLockedValue {
            $0.log.append("subscribe \(topic)")
            $0.listening[topic] = promise
        }
        return promise.futureResult
    }

    func unsubscribe(from topic: String) {
        let pending = self.state.withLockedValue {
            $0.log.append("unsubscribe \(topic)")
            return $0.listening.removeValue(forKey: topic)
        }
        pending?.fail(PubSubBackplaneUnavailable())
    }

    func publish(_ message: PubSubMessage, to topic: String) -> EventLoopFuture<PubSubPublication> {
        self.state.withLockedValue { $0.published.append((topic, message)) }
        return self.loop.makeSucceededFuture(PubSubPublication(instances: 1))
    }

    func messages(of topic: String, after position: PubSubPosition) -> EventLoopFuture<PubSubHistory> {
        self.loop.makeSucceededFuture(self.state.withLockedValue { $0.history })
    }

    func shutdown() async {}

    func listen(_ topic: String) {
        self.state.withLockedValue { $0.listening.removeValue(forKey: topic) }?.succeed()
    }

    deinit {
        for promise in self.state.withLockedValue({ $0.listening.values }) {
            promise.fail(PubSubBackplaneUnavailable())
        }
    }

    func deliver(_ topic: String, _ message: PubSubMessage) {
        self.state.withLockedValue { $0.deliver }?(topic, message)
    }

    func keep(_ history: PubSubHistory) {
        self.state.withLockedValue { $0.history = history }
    }
}

@Suite struct PubSubHubBackplaneTests {
    static func message(_ data: String, at entry: String? = nil, origin: PubSubOrigin? = nil) -> PubSubMessage {
        PubSubMessage(
            data: ByteBuffer(string: data),
            position: entry.flatMap { PubSubPosition(epoch: "e", entry: Substring($0)) },
            origin: origin,
            publishedAt: 0
        )
    }

    @Test func theBackplaneListensToATopicWhileItHasSubscribers() {
        let loop = EmbeddedEventLoop()
        let backplane = MemoryBackplane(loop: loop)
        let hub = PubSubHub(backplane: backplane, instance: "a")
        let first = RecordingSubscriber(eventLoop: loop)
        let second = RecordingSubscriber(eventLoop: loop)
        hub.subscribe(first, to: "t")
        hub.subscribe(second, to: "t")
        hub.unsubscribe(first, from: "t")
        hub.unsubscribe(second, from: "t")
        hub.subscribe(first, to: "t")
        #expect(backplane.log == ["subscribe t", "unsubscribe t", "subscribe t"])
    }

    /// A publish goes to the backplane only; subscribers get what the backplane delivers, a sender left out by
    /// its origin when the hub leaves senders out.
    @Test func publishesGoThroughTheBackplaneAndDeliveriesComeBackFromIt() throws {
        let loop = EmbeddedEventLoop()
        let backplane = MemoryBackplane(loop: loop)
        let hub = PubSubHub(includesSender: false, backplane: backplane, instance: "a")
        let sender = RecordingSubscriber(eventLoop: loop)
        let reader = RecordingSubscriber(eventLoop: loop)
        hub.subscribe(sender, to: "t")
        hub.subscribe(reader, to: "t")
        _ = hub.publish(json: ByteBuffer(string: "1"), to: "t", from: sender)
        loop.run()
        #expect(sender.texts.isEmpty && reader.texts.isEmpty)
        let (topic, published) = try #require(backplane.published.first)
        #expect(topic == "t")
        #expect(published.origin == PubSubOrigin(instance: "a", connection: UInt(bitPattern: sender.connection)))
        backplane.deliver("t", published)
        // The same connection number from another instance is someone else.
        var elsewhere = published
        elsewhere.origin?.instance = "b"
        backplane.deliver("t", elsewhere)
        loop.run()
        #expect(reader.texts == [#"{"topic":"t","data":1}"#, #"{"topic":"t","data":1}"#])
        #expect(sender.texts == [#"{"topic":"t","data":1}"#])
    }

    /// A returning subscriber gets what it missed, then what arrived live meanwhile, each once and in order,
    /// however the two interleave.
    @Test func aReturningSubscriberGetsWhatItMissedThenLiveWithNoGapAndNoDuplicate() throws {
        let loop = EmbeddedEventLoop()
        let backplane = MemoryBackplane(loop: loop)
        let hub = PubSubHub(backplane: backplane, instance: "a")
        let subscriber = RecordingSubscriber(eventLoop: loop)
        let since = try #require(PubSubPosition("e:1-0"))
        backplane.keep(.missed([Self.message("2", at: "2-0"), Self.message("3", at: "3-0")]))
        let recovered = NIOLockedValueBox<Bool?>(nil)
        hub.subscribe(subscriber, to: "t", since: since) { value in recovered.withLockedValue { $0 = value } }
        // Live messages while the history is read: one it also holds, one after it.
        backplane.deliver("t", Self.message("3", at: "3-0"))
        backplane.deliver("t", Self.message("4", at: "4-0"))
        loop.run()
        #expect(subscriber.texts.isEmpty)
        backplane.listen("t")
        loop.run()
        #expect(recovered.withLockedValue { $0 } == true)
        backplane.deliver("t", Self.message("3", at: "3-0"))
        backplane.deliver("t", Self.message("5", at: "5-0"))
        loop.run()
        #expect(
            subscriber.texts.map { $0.firstMatch(of: /"data":(\d)/).map { String($0.1) } ?? "?" } == [
                "2", "3", "4", "5",
            ]
        )
    }

    @Test func aSubscriberWhoseHistoryIsGoneIsToldSoAndGoesLive() throws {
        let loop = EmbeddedEventLoop()
        let backplane = MemoryBackplane(loop: loop)
        let hub = PubSubHub(backplane: backplane, instance: "a")
        let subscriber = RecordingSubscriber(eventLoop: loop)
        backplane.keep(.unrecoverable)
        let recovered = NIOLockedValueBox<Bool?>(nil)
        hub.subscribe(subscriber, to: "t", since: try #require(PubSubPosition("e:1-0"))) { value in
            recovered.withLockedValue { $0 = value }
        }
        backplane.deliver("t", Self.message("9", at: "9-0"))
        backplane.listen("t")
        loop.run()
        #expect(recovered.withLockedValue { $0 } == false)
        #expect(subscriber.texts == [#"{"topic":"t","id":"e:9-0","data":9}"#])
    }

    @Test func withoutABackplaneAPublishIsDeliveredHereAndCounted() async throws {
        let loop = EmbeddedEventLoop()
        let hub = PubSubHub()
        let subscriber = RecordingSubscriber(eventLoop: loop)
        hub.subscribe(subscriber, to: "t")
        let publication = try await hub.publish(json: ByteBuffer(string: #""x""#), to: "t")
        loop.run()
        #expect(publication.subscribers == 1)
        #expect(subscriber.texts == [#"{"topic":"t","data":"x"}"#])
    }
}
