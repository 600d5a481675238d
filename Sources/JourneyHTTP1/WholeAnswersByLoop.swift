import NIOConcurrencyHelpers
import NIOCore

/// Each event loop's `WholeAnswers`, made when a connection on that loop first asks: one lock per connection set
/// up, none per request.
final class WholeAnswersByLoop: Sendable {
    private let answers = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<WholeAnswers>]>([:])

    /// The answers of `loop`; call it on `loop`. The loop is held, so its identifier is never another loop's.
    func on(_ loop: any EventLoop) -> WholeAnswers {
        self.answers.withLockedValue { answers in
            if let bound = answers[ObjectIdentifier(loop)] { return bound.value }
            let made = WholeAnswers()
            answers[ObjectIdentifier(loop)] = NIOLoopBound(made, eventLoop: loop)
            return made
        }
    }
}
