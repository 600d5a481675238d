import NIOConcurrencyHelpers
import NIOCore

/// Each event loop's `DatedAnswerCache`, made when a connection on that loop first asks: one lock per connection set
/// up, none per request.
final class DatedAnswerCaches: Sendable {
    private let answers = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<DatedAnswerCache>]>([:])

    /// The answers of `loop`; call it on `loop`. The loop is held, so its identifier is never another loop's.
    func on(_ loop: any EventLoop) -> DatedAnswerCache {
        self.answers.withLockedValue { answers in
            if let bound = answers[ObjectIdentifier(loop)] { return bound.value }
            let made = DatedAnswerCache()
            answers[ObjectIdentifier(loop)] = NIOLoopBound(made, eventLoop: loop)
            return made
        }
    }
}
