import Foundation
import Journey
import NIOConcurrencyHelpers

/// Creates, updates and deletes as a log of events with increasing ids, the last 1,000 kept, for
/// `GET /todos/events`: a client that reconnects with `Last-Event-ID` is first given what it missed.
public final class TodoEvents: Sendable {
    /// One change.
    struct Event: Sendable {
        var id: Int
        var kind: String
        var todo: Todo

        var serverSentEvent: ServerSentEvent {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let data = (try? encoder.encode(self.todo)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return ServerSentEvent(event: self.kind, id: String(self.id), data: data)
        }
    }

    /// How many events a reconnecting client can catch up on.
    static let kept = 1000

    private struct State {
        var lastID = 0
        var log: [Event] = []
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextSubscriber = 0
    }

    private let state = NIOLockedValueBox(State())

    /// An empty log.
    public init() {}

    /// Records a change and hands it to every open stream.
    func publish(_ kind: String, _ todo: Todo) {
        self.state.withLockedValue { state in
            state.lastID += 1
            let event = Event(id: state.lastID, kind: kind, todo: todo)
            state.log.append(event)
            if state.log.count > Self.kept { state.log.removeFirst(state.log.count - Self.kept) }
            for subscriber in state.subscribers.values { subscriber.yield(event) }
        }
    }

    /// The events after `lastSeen` (those still kept), then each new one as it happens: one lock, so none is lost
    /// or doubled between the two.
    func subscribe(after lastSeen: Int?) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Event.self,
            bufferingPolicy: .bufferingNewest(Self.kept)
        )
        let key = self.state.withLockedValue { state in
            if let lastSeen {
                for event in state.log where event.id > lastSeen { continuation.yield(event) }
            }
            state.nextSubscriber += 1
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: key) }
        }
        return stream
    }
}
