import HTTPTypes
import JourneyCore
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The pub/sub endpoint: a WebSocket route where clients subscribe, unsubscribe and publish (see
/// `PubSubCommand`), and `POST PATH/TOPIC` for publishing from outside (curl, a cron job, a webhook).
public struct PubSubEndpoint: Sendable {
    /// The topics and their subscribers.
    public let hub: PubSubHub
    /// The WebSocket route's path; publishing over HTTP is under it (`/pubsub/TOPIC`).
    public let path: String
    /// The route's options.
    public var options: WebSocketOptions

    /// An endpoint at `path` over `hub`.
    public init(path: String, hub: PubSubHub = PubSubHub(), options: WebSocketOptions = WebSocketOptions()) {
        self.path = path
        self.hub = hub
        self.options = options
    }

    /// The WebSocket route.
    public var route: WebSocketRoute {
        let hub = self.hub
        return WebSocketRoute(self.path, options: self.options) { socket, _ in
            // The connection's topics, kept on its event loop with the callbacks.
            var topics: Set<String> = []
            socket.onClose { socket, _ in hub.unsubscribe(socket, from: topics) }
            socket.onBinary { socket, _ in socket.send(text: #"{"error":"commands are JSON text messages"}"#) }
            socket.onText { socket, text in
                do throws(PubSubCommand.Problem) {
                    switch try PubSubCommand(parsing: text) {
                    case .subscribe(let topic, nil):
                        topics.insert(topic)
                        hub.subscribe(socket, to: topic)
                    case .subscribe(let topic, let since?):
                        topics.insert(topic)
                        Self.subscribe(socket, to: topic, since: since, in: hub) { recovered in
                            socket.send(text: Self.recovery(of: topic, recovered))
                        }
                    case .unsubscribe(let topic):
                        topics.remove(topic)
                        hub.unsubscribe(socket, from: topic)
                    case .publish(let topic, let data):
                        hub.publish(json: ByteBuffer(bytes: data), to: topic, from: socket).whenFailure { _ in
                            socket.send(text: #"{"error":"backplane unavailable"}"#)
                        }
                    }
                } catch {
                    let reason = String(decoding: PubSubCommand.json(error.reason), as: UTF8.self)
                    socket.send(text: "{\"error\":\(reason)}")
                }
            }
        }
    }

    /// Subscribes `subscriber` to `topic`, sending it first what it missed since the position `since` names; a
    /// position that names nothing the history can have is as one older than it keeps.
    private static func subscribe(
        _ subscriber: any PubSubSubscriber,
        to topic: String,
        since: String,
        in hub: PubSubHub,
        recovered: @escaping @Sendable (Bool) -> Void
    ) {
        guard let position = PubSubPosition(since) else {
            hub.subscribe(subscriber, to: topic)
            subscriber.eventLoop.execute { recovered(false) }
            return
        }
        hub.subscribe(subscriber, to: topic, since: position, recovered: recovered)
    }

    /// `{"topic":"t","recovered":true}`: whether a returning subscriber got everything it missed.
    static func recovery(of topic: String, _ recovered: Bool) -> String {
        "{\"topic\":\(String(decoding: PubSubCommand.json(topic), as: UTF8.self)),\"recovered\":\(recovered)}"
    }

    /// The topic a request under the endpoint's path names (`PATH/TOPIC`); 404 when it names none.
    private func topic(of request: Request) throws(HTTPError) -> String {
        let prefix = self.path.hasSuffix("/") ? self.path : self.path + "/"
        guard request.path.hasPrefix(prefix),
            let decoded = PercentEncoding.decode(request.path.utf8.dropFirst(prefix.utf8.count)),
            let topic = String(validating: decoded, as: UTF8.self),
            !topic.isEmpty, topic.utf8.count <= PubSubCommand.maximumTopicLength
        else { throw HTTPError(.notFound) }
        return topic
    }

    /// `GET PATH/TOPIC` with `Accept: text/event-stream`: the topic as Server-Sent Events, each publish (over
    /// WebSocket or `POST`) an event whose data is what a WebSocket subscriber receives. A client that does not
    /// accept an event stream gets 406.
    public func subscribe(_ request: Request, context: RequestContext) throws -> Response {
        let topic = try self.topic(of: request)
        let accept = request.head.headerFields[.accept] ?? ""
        guard accept.lowercased().contains("text/event-stream") else {
            throw HTTPError(.notAcceptable, detail: "A topic is read as text/event-stream, or over WebSocket.")
        }
        let hub = self.hub
        let since = request.lastEventID
        return Response.eventStream { events in
            let (deliveries, continuation) = AsyncStream.makeStream(
                of: EventStreamSubscriber.Delivery.self,
                bufferingPolicy: .bufferingNewest(Self.eventStreamBacklog)
            )
            let subscriber = EventStreamSubscriber(continuation: continuation, eventLoop: context.eventLoop)
            if let since {
                Self.subscribe(subscriber, to: topic, since: since, in: hub) { recovered in
                    continuation.yield(.recovery(ByteBuffer(string: Self.recovery(of: topic, recovered))))
                }
            } else {
                hub.subscribe(subscriber, to: topic)
            }
            defer { hub.unsubscribe(subscriber, from: topic) }
            try await withTaskCancellationHandler {
                for await delivery in deliveries {
                    switch delivery {
                    case .message(let payload, let position):
                        try await events.send(ServerSentEvent(id: position?.description, data: String(buffer: payload)))
                    case .recovery(let payload):
                        try await events.send(ServerSentEvent(event: "recovery", data: String(buffer: payload)))
                    }
                }
            } onCancel: {
                continuation.finish()
            }
        }
    }

    /// How many deliveries an event stream that is not read keeps; older ones are dropped, as a slow WebSocket
    /// subscriber's are.
    static let eventStreamBacklog = 1024

    /// `POST PATH/TOPIC`: publishes the body to TOPIC and answers how many subscribers it went to (with a
    /// backplane: how many instances, and the message's position when a history is kept; 503 while the backplane
    /// is down). A JSON body (`Content-Type: application/json`) is the message's `data` as it is; any other body
    /// is taken as text.
    public func publish(_ request: Request) async throws -> Response {
        let topic = try self.topic(of: request)
        let body = Data((request.body.collected ?? ByteBuffer()).readableBytesView)
        let data: Data
        do throws(PubSubCommand.Problem) {
            let mediaType = request.head.headerFields[.contentType]?.split(separator: ";").first
            if mediaType?.trimmingASCIISpaces.lowercased() == "application/json" {
                guard (try? JSONDecoder().decode(AnyJSON.self, from: body)) != nil else {
                    throw PubSubCommand.Problem(reason: "body is not JSON")
                }
                // Relayed as sent, as a WebSocket publish's data is; only the surrounding whitespace goes.
                let start = body.firstIndex { !JSONMemberText.isWhitespace($0) } ?? body.endIndex
                let end = body.lastIndex { !JSONMemberText.isWhitespace($0) }.map { $0 + 1 } ?? start
                data = Data(body[start..<end])
            } else {
                guard let text = String(validating: body, as: UTF8.self) else {
                    throw PubSubCommand.Problem(reason: "body is not UTF-8")
                }
                data = PubSubCommand.json(text)
            }
        } catch {
            throw HTTPError(.badRequest)
        }
        let publication: PubSubPublication
        do {
            publication = try await self.hub.publish(json: ByteBuffer(bytes: data), to: topic)
        } catch {
            return Response(
                status: .serviceUnavailable,
                headerFields: [
                    .contentType: "application/json", .cacheControl: "no-store", HTTPField.Name("Retry-After")!: "1",
                ],
                body: .bytes(ByteBuffer(string: #"{"error":"backplane unavailable"}"# + "\n"))
            )
        }
        var answer = "{\"topic\":\(String(decoding: PubSubCommand.json(topic), as: UTF8.self)),"
        if let subscribers = publication.subscribers {
            answer += "\"subscribers\":\(subscribers)}\n"
        } else {
            answer += "\"instances\":\(publication.instances)"
            if let position = publication.position { answer += ",\"id\":\"\(position)\"" }
            answer += "}\n"
        }
        return Response(
            status: .ok,
            headerFields: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .bytes(ByteBuffer(string: answer))
        )
    }
}

/// Any JSON value: decoding it checks that a body is JSON (JSONDecoder reads the whole text first) and keeps nothing.
private struct AnyJSON: Decodable {
    init(from decoder: any Decoder) throws {}
}

/// A topic's Server-Sent Events stream as a hub subscriber: deliveries go into the stream's buffer.
private final class EventStreamSubscriber: PubSubSubscriber {
    enum Delivery {
        /// A message's delivery and its position (the event's id).
        case message(ByteBuffer, PubSubPosition?)
        /// Whether a returning subscriber got everything it missed.
        case recovery(ByteBuffer)
    }

    let continuation: AsyncStream<Delivery>.Continuation
    let eventLoop: any EventLoop

    init(continuation: AsyncStream<Delivery>.Continuation, eventLoop: any EventLoop) {
        self.continuation = continuation
        self.eventLoop = eventLoop
    }

    var connection: ObjectIdentifier { ObjectIdentifier(self) }

    func sendOnLoop(_ frame: EncodedFrame) {
        self.continuation.yield(.message(frame.payload, nil))
    }

    func deliverOnLoop(_ frame: EncodedFrame, at position: PubSubPosition?) {
        self.continuation.yield(.message(frame.payload, position))
    }
}
