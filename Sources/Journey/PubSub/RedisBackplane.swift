import JourneyObserve
import JourneyRESP
import JourneyWebSocket
import Logging
import NIOCore
import NIOPosix

/// The pub/sub backplane on Redis (or Valkey): each instance SUBSCRIBEs to a channel per topic it has subscribers
/// for, PUBLISHes every publish, and delivers what Redis sends back, so every subscriber on every instance sees
/// Redis's one order per topic.
///
/// Two connections, as Redis asks of a subscriber: one in subscribe mode, one for commands (publishes and
/// history reads, pipelined). With a history (`--pubsub-history N`) a publish is XADDed to the topic's stream,
/// capped at about N entries, and PUBLISHed in one Lua script, so a position in the stream names a message on
/// every instance. When Redis goes away publishes fail at once (503), deliveries of what already arrived go on,
/// and the backplane reconnects with capped exponential backoff and jitter, subscribes again, and (with a history)
/// delivers each topic's gap from its stream before its live messages.
///
/// Everything it holds is confined to one event loop; callers on other loops hop to it.
public final class RedisBackplane: PubSubBackplane {
    /// How the backplane reaches Redis and names what it keeps there.
    public struct Options: Sendable {
        /// The server.
        public var endpoint: RedisEndpoint
        /// Put before every channel and key, so deployments can share one Redis (`--pubsub-prefix`).
        public var prefix: String
        /// Entries each topic's history keeps (about: trimmed with `MAXLEN ~`); nil keeps none.
        public var history: Int?
        /// The first reconnection's delay; each failure doubles it, up to `maximumBackoff`, each jittered to
        /// between half and all of it so instances do not reconnect in step.
        public var initialBackoff: TimeAmount
        /// The longest delay between reconnections.
        public var maximumBackoff: TimeAmount
        /// How long a reply may take: a publish not answered by then is refused (503), and a PING (one every
        /// `replyTimeout`) not answered by then drops the connections for new ones, so a Redis that hangs, or a
        /// network that loses it, is noticed without waiting for TCP.
        public var replyTimeout: TimeAmount

        /// Options for `endpoint`.
        public init(
            endpoint: RedisEndpoint,
            prefix: String = "journey:",
            history: Int? = nil,
            initialBackoff: TimeAmount = .milliseconds(100),
            maximumBackoff: TimeAmount = .seconds(2),
            replyTimeout: TimeAmount = .seconds(2)
        ) {
            self.endpoint = endpoint
            self.prefix = prefix
            self.history = history
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.replyTimeout = replyTimeout
        }
    }

    /// The options.
    public let options: Options
    /// What the backplane did, for the dashboard and `/metrics`.
    public let statistics: BackplaneStatistics
    private let loop: any EventLoop
    private let state: NIOLoopBoundBox<State>
    private let logger: Logger
    /// The name of this instance's connections (CLIENT LIST).
    private let instance: String

    /// Whether publishes go to a stream per topic too (`--pubsub-history`).
    public var keepsHistory: Bool { self.options.history != nil }

    /// A backplane on `options`; it connects once started (by its hub).
    public init(
        options: Options,
        instance: String,
        statistics: BackplaneStatistics = BackplaneStatistics(),
        logger: Logger = Logger(label: "journey.pubsub"),
        on loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    ) {
        self.options = options
        self.instance = instance
        self.statistics = statistics
        self.logger = logger
        self.loop = loop
        self.state = NIOLoopBoundBox.makeBoxSendingValue(State(), eventLoop: loop)
    }

    private final class State {
        var deliver: (@Sendable (String, PubSubMessage) -> Void)?
        var subscriber: RESPClient?
        var commands: RESPClient?
        var connecting = false
        var failures = 0
        var stopped = false
        /// Whether a connection was made before: the next one is a reconnection.
        var wasConnected = false
        var topics: [String: Topic] = [:]
        /// SUBSCRIBEs sent and not yet confirmed, by channel: a topic is listened to once its last one is.
        var unconfirmed: [String: Int] = [:]

        var isConnected: Bool { self.subscriber != nil && self.commands != nil }
    }

    private struct Topic {
        var listening: EventLoopPromise<Void>
        var isListening = false
        /// The position of the last message delivered, which a reconnection fills the gap after.
        var last: PubSubPosition?
        /// Messages that arrived while the gap after a reconnection was being read, delivered after it.
        var held: [PubSubMessage]?
    }

    // MARK: PubSubBackplane

    /// Connects; every message Redis sends for a subscribed topic goes to `delivering`, in the topic's order.
    public func start(delivering: @escaping @Sendable (String, PubSubMessage) -> Void) {
        self.loop.execute {
            self.state.value.deliver = delivering
            self.connect()
        }
    }

    /// SUBSCRIBEs to the topic's channel (again after every reconnection); succeeds once Redis confirms.
    public func subscribe(to topic: String) -> EventLoopFuture<Void> {
        let listening = self.loop.makePromise(of: Void.self)
        self.loop.execute {
            let state = self.state.value
            if let existing = state.topics[topic] {
                existing.listening.futureResult.cascade(to: listening)
                return
            }
            state.topics[topic] = Topic(listening: listening)
            if state.isConnected { self.listen(to: topic, state) }
        }
        return listening.futureResult
    }

    /// UNSUBSCRIBEs from the topic's channel.
    public func unsubscribe(from topic: String) {
        self.loop.execute {
            let state = self.state.value
            guard let entry = state.topics.removeValue(forKey: topic) else { return }
            entry.listening.fail(PubSubBackplaneUnavailable())
            state.subscriber?.sendUnanswered(["UNSUBSCRIBE", self.channel(of: topic)])
        }
    }

    /// PUBLISHes `message` (with a history, XADDs it in the same script); refused at once while Redis is away.
    public func publish(_ message: PubSubMessage, to topic: String) -> EventLoopFuture<PubSubPublication> {
        self.loop.flatSubmit {
            guard let commands = self.state.value.commands else {
                self.statistics.count(.refusedPublishes)
                return self.loop.makeFailedFuture(PubSubBackplaneUnavailable())
            }
            let envelope = Self.envelope(of: message)
            let reply: EventLoopFuture<RESPValue>
            if let history = self.options.history {
                reply = commands.send([
                    ByteBuffer(string: "EVAL"), ByteBuffer(string: Self.publishScript), ByteBuffer(string: "2"),
                    ByteBuffer(string: self.streamKey(of: topic)), ByteBuffer(string: self.epochKey(of: topic)),
                    ByteBuffer(string: self.channel(of: topic)), ByteBuffer(string: String(history)), envelope,
                    // The epoch of a history begun now (one Redis lost, or never had): new each time, so a lost
                    // history's positions never match the new one's.
                    ByteBuffer(string: String(UInt64.random(in: 1...UInt64.max), radix: 36)),
                ])
            } else {
                var payload = ByteBuffer(string: "\n")
                payload.writeImmutableBuffer(envelope)
                reply = commands.send([
                    ByteBuffer(string: "PUBLISH"), ByteBuffer(string: self.channel(of: topic)), payload,
                ])
            }
            return self.bounded(reply, on: commands).flatMapThrowing { value in
                self.statistics.count(.published)
                switch value {
                case .integer(let instances):
                    return PubSubPublication(instances: Int(instances))
                case .array(let parts) where parts.count == 2:
                    guard case .integer(let instances) = parts[1] else { throw PubSubBackplaneUnavailable() }
                    return PubSubPublication(
                        instances: Int(instances),
                        position: parts[0].text.flatMap(PubSubPosition.init)
                    )
                default:
                    throw PubSubBackplaneUnavailable()
                }
            }.flatMapErrorThrowing { error in
                self.logger.warning("publish failed", metadata: ["error": "\(error)"])
                throw PubSubBackplaneUnavailable()
            }
        }
    }

    /// What the topic's stream holds after `position`, if it still holds `position` itself and is of its epoch.
    public func messages(of topic: String, after position: PubSubPosition) -> EventLoopFuture<PubSubHistory> {
        self.loop.flatSubmit {
            guard let commands = self.state.value.commands, self.options.history != nil else {
                return self.loop.makeSucceededFuture(.unrecoverable)
            }
            let reply = commands.send([
                "EVAL", Self.historyScript, "2", self.streamKey(of: topic), self.epochKey(of: topic), position.entry,
            ])
            return self.bounded(reply, on: commands).map { value in
                let history = Self.history(in: value, after: position)
                self.statistics.count(history == .unrecoverable ? .unrecoverable : .recoveries)
                return history
            }
        }
    }

    /// Closes both connections and stops reconnecting.
    public func shutdown() async {
        let clients = try? await self.loop.submit { () -> [RESPClient] in
            let state = self.state.value
            state.stopped = true
            defer {
                state.subscriber = nil
                state.commands = nil
            }
            return [state.subscriber, state.commands].compactMap { $0 }
        }.get()
        for client in clients ?? [] { try? await client.close().get() }
    }

    // MARK: Connections

    /// Connects both connections; once both are up, listens to every topic again.
    private func connect() {
        let state = self.state.value
        guard !state.stopped, !state.connecting, !state.isConnected else { return }
        state.connecting = true
        let endpoint = self.options.endpoint
        let subscriber = RESPClient.connect(to: endpoint, on: self.loop, name: "journey-\(self.instance)-sub") {
            [weak self] value in self?.received(value)
        }
        let commands = RESPClient.connect(to: endpoint, on: self.loop, name: "journey-\(self.instance)")
        subscriber.and(commands).whenComplete { result in
            let state = self.state.value
            state.connecting = false
            switch result {
            case .success(let (subscriber, commands)):
                guard !state.stopped else {
                    subscriber.channel.close(promise: nil)
                    commands.channel.close(promise: nil)
                    return
                }
                self.connected(subscriber: subscriber, commands: commands, state)
            case .failure(let error):
                // The one that did connect is closed: both come back together.
                subscriber.whenSuccess { $0.channel.close(promise: nil) }
                commands.whenSuccess { $0.channel.close(promise: nil) }
                self.logger.warning("cannot reach Redis", metadata: ["redis": "\(endpoint)", "error": "\(error)"])
                self.retry(state)
            }
        }
    }

    private func connected(subscriber: RESPClient, commands: RESPClient, _ state: State) {
        state.subscriber = subscriber
        state.commands = commands
        state.unconfirmed = [:]
        if state.wasConnected { self.statistics.count(.reconnects) }
        state.wasConnected = true
        state.failures = 0
        self.statistics.count(.connections)
        self.statistics.setConnected(true)
        self.logger.info("backplane connected", metadata: ["redis": "\(self.options.endpoint)"])
        subscriber.channel.closeFuture.whenComplete { _ in
            let state = self.state.value
            // Redis cut the subscriber alone (its output buffer overflowed, or CLIENT KILL): counted apart.
            if state.commands === commands, commands.channel.isActive { self.statistics.count(.subscriberCuts) }
            self.disconnected(subscriber, state)
        }
        commands.channel.closeFuture.whenComplete { _ in self.disconnected(commands, self.state.value) }
        for topic in state.topics.keys { self.listen(to: topic, state) }
        let keepalive = self.loop.scheduleRepeatedTask(
            initialDelay: self.options.replyTimeout,
            delay: self.options.replyTimeout
        ) { _ in
            _ = self.bounded(commands.send(["PING"]), on: commands)
        }
        commands.channel.closeFuture.whenComplete { _ in keepalive.cancel() }
    }

    /// `reply`, or a failure once the reply timeout has passed; a connection that missed it is closed (and made
    /// anew), for whatever comes after its missing reply would be paired with the wrong command.
    private func bounded(_ reply: EventLoopFuture<RESPValue>, on client: RESPClient) -> EventLoopFuture<RESPValue> {
        let answer = self.loop.makePromise(of: RESPValue.self)
        let timeout = self.loop.scheduleTask(in: self.options.replyTimeout) {
            self.logger.warning("Redis did not answer in time", metadata: ["redis": "\(self.options.endpoint)"])
            answer.fail(PubSubBackplaneUnavailable())
            client.channel.close(promise: nil)
        }
        reply.hop(to: self.loop).whenComplete { result in
            timeout.cancel()
            answer.completeWith(result)
        }
        return answer.futureResult
    }

    private func disconnected(_ client: RESPClient, _ state: State) {
        guard state.subscriber === client || state.commands === client else { return }
        state.subscriber?.channel.close(promise: nil)
        state.commands?.channel.close(promise: nil)
        state.subscriber = nil
        state.commands = nil
        self.statistics.setConnected(false)
        for topic in state.topics.keys { state.topics[topic]?.isListening = false }
        guard !state.stopped else { return }
        self.logger.warning("backplane disconnected; reconnecting", metadata: ["redis": "\(self.options.endpoint)"])
        self.retry(state)
    }

    /// Tries again after the backoff: doubled per failure, capped, and jittered to between half and all of it.
    private func retry(_ state: State) {
        guard !state.stopped else { return }
        let ceiling = min(
            self.options.maximumBackoff.nanoseconds,
            self.options.initialBackoff.nanoseconds << min(state.failures, 20)
        )
        state.failures += 1
        let delay = Int64.random(in: (ceiling / 2)...max(ceiling / 2, ceiling))
        self.loop.scheduleTask(in: .nanoseconds(delay)) { self.connect() }
    }

    /// SUBSCRIBEs to `topic`'s channel; once Redis confirms, its messages are delivered (after the gap since the
    /// last one, when a history is kept and a message was delivered before).
    private func listen(to topic: String, _ state: State) {
        let channel = self.channel(of: topic)
        state.unconfirmed[channel, default: 0] += 1
        if self.keepsHistory, state.topics[topic]?.last != nil { state.topics[topic]?.held = [] }
        state.subscriber?.sendUnanswered(["SUBSCRIBE", channel])
    }

    /// A push from the subscriber connection: a confirmation or a message.
    private func received(_ value: RESPValue) {
        guard let parts = value.elements, parts.count >= 3, let kind = parts[0].text, let channel = parts[1].text,
            channel.hasPrefix(self.options.prefix)
        else { return }
        let state = self.state.value
        let topic = String(channel.dropFirst(self.options.prefix.count))
        switch kind {
        case "subscribe":
            let remaining = (state.unconfirmed[channel] ?? 1) - 1
            state.unconfirmed[channel] = remaining > 0 ? remaining : nil
            guard remaining <= 0, var entry = state.topics[topic], !entry.isListening else { return }
            entry.isListening = true
            state.topics[topic] = entry
            entry.listening.succeed()
            if let last = entry.last, entry.held != nil { self.fillGap(of: topic, after: last) }
        case "message":
            guard case .bulk(let payload) = parts[2], let message = Self.message(in: payload) else { return }
            self.statistics.received(publishedAt: message.publishedAt, now: PubSubMessage.now())
            self.take(message, for: topic, state)
        default:
            return
        }
    }

    /// Delivers `message` unless it is one already delivered; holds it while a gap is being filled.
    private func take(_ message: PubSubMessage, for topic: String, _ state: State) {
        guard var entry = state.topics[topic], entry.isListening else { return }
        if entry.held != nil {
            entry.held?.append(message)
            state.topics[topic] = entry
            return
        }
        if let position = message.position {
            if let last = entry.last, last.epoch == position.epoch, position <= last { return }
            entry.last = position
            state.topics[topic] = entry
        }
        state.deliver?(topic, message)
    }

    /// Reads what `topic` missed after `last` while Redis was away, delivers it, then what arrived meanwhile.
    private func fillGap(of topic: String, after last: PubSubPosition) {
        self.messages(of: topic, after: last).whenComplete { result in
            let state = self.state.value
            guard var entry = state.topics[topic], let held = entry.held else { return }
            entry.held = nil
            if case .success(.missed(let missed)) = result {
                state.topics[topic] = entry
                for message in missed { self.take(message, for: topic, state) }
            } else {
                // Lost: what comes now starts afresh.
                entry.last = nil
                state.topics[topic] = entry
            }
            for message in held { self.take(message, for: topic, state) }
        }
    }

    // MARK: Names and formats

    private func channel(of topic: String) -> String { self.options.prefix + topic }
    private func streamKey(of topic: String) -> String { self.options.prefix + "stream:" + topic }
    private func epochKey(of topic: String) -> String { self.options.prefix + "epoch:" + topic }

    /// A message as the stream and the channel carry it: `ORIGIN\nPUBLISHED-AT\nDATA`, ORIGIN being
    /// `INSTANCE CONNECTION` or empty (the channel puts the position and a line break before it).
    static func envelope(of message: PubSubMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let origin = message.origin { buffer.writeString("\(origin.instance) \(origin.connection)") }
        buffer.writeString("\n\(message.publishedAt)\n")
        buffer.writeImmutableBuffer(message.data)
        return buffer
    }

    /// A channel's message: `POSITION\n` (empty without a history), then the envelope.
    static func message(in payload: ByteBuffer) -> PubSubMessage? {
        var payload = payload
        guard let positionLine = Self.line(of: &payload),
            var message = Self.message(fromEnvelope: payload)
        else { return nil }
        if !positionLine.isEmpty {
            guard let position = PubSubPosition(positionLine) else { return nil }
            message.position = position
        }
        return message
    }

    private static func message(fromEnvelope envelope: ByteBuffer) -> PubSubMessage? {
        var envelope = envelope
        guard let originLine = Self.line(of: &envelope), let publishedAt = Self.line(of: &envelope).flatMap(UInt64.init)
        else { return nil }
        var origin: PubSubOrigin?
        if let space = originLine.lastIndex(of: " "),
            let connection = UInt(originLine[originLine.index(after: space)...])
        {
            origin = PubSubOrigin(instance: String(originLine[..<space]), connection: connection)
        }
        return PubSubMessage(data: envelope, origin: origin, publishedAt: publishedAt)
    }

    private static func line(of buffer: inout ByteBuffer) -> String? {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = buffer.readString(length: end - buffer.readerIndex)
        buffer.moveReaderIndex(forwardBy: 1)
        return line
    }

    /// The history script's answer, `{EPOCH, {{ID, {"m", ENVELOPE}}, …}}`, as what came after `position`.
    static func history(in value: RESPValue, after position: PubSubPosition) -> PubSubHistory {
        guard let parts = value.elements, parts.count == 2, parts[0].text == position.epoch,
            let entries = parts[1].elements, let first = entries.first?.elements?.first?.text, first == position.entry
        else { return .unrecoverable }
        var missed: [PubSubMessage] = []
        for entry in entries.dropFirst() {
            guard let fields = entry.elements, fields.count == 2, let id = fields[0].text,
                let values = fields[1].elements, values.count == 2, case .bulk(let envelope) = values[1],
                var message = Self.message(fromEnvelope: envelope)
            else { return .unrecoverable }
            message.position = PubSubPosition(epoch: position.epoch, entry: Substring(id))
            missed.append(message)
        }
        return .missed(missed)
    }

    /// KEYS: the stream, the epoch; ARGV: the channel, the history's length, the envelope, an epoch for a history
    /// that has none. Appends, publishes `EPOCH:ID\nENVELOPE`, answers `{EPOCH:ID, receivers}`.
    static let publishScript = """
        redis.call('SET', KEYS[2], ARGV[4], 'NX')
        local epoch = redis.call('GET', KEYS[2])
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[3])
        local position = epoch .. ':' .. id
        return {position, redis.call('PUBLISH', ARGV[1], position .. '\\n' .. ARGV[3])}
        """

    /// KEYS: the stream, the epoch; ARGV: the last entry seen. Answers `{EPOCH, entries from that one on}`.
    static let historyScript = """
        return {redis.call('GET', KEYS[2]), redis.call('XRANGE', KEYS[1], ARGV[1], '+')}
        """
}
