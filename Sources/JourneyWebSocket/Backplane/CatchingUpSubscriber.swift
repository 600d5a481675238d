import NIOCore

/// A subscriber that came back with the last position it saw: live messages are held back until what it missed
/// has been sent, and anything at or before the last position sent is dropped, so it sees no gap and no
/// duplicate however the history's answer and the live messages interleave.
///
/// Registered in the hub under its subscriber's connection, so unsubscribing the subscriber removes it.
final class CatchingUpSubscriber: PubSubSubscriber {
    let subscriber: any PubSubSubscriber
    private let state: NIOLoopBoundBox<State>

    private final class State {
        var catchingUp = true
        var held: [(frame: EncodedFrame, position: PubSubPosition?)] = []
        var last: PubSubPosition?

        init(last: PubSubPosition) {
            self.last = last
        }
    }

    init(_ subscriber: any PubSubSubscriber, since position: PubSubPosition) {
        self.subscriber = subscriber
        self.state = NIOLoopBoundBox.makeBoxSendingValue(State(last: position), eventLoop: subscriber.eventLoop)
    }

    var eventLoop: any EventLoop { self.subscriber.eventLoop }
    var connection: ObjectIdentifier { self.subscriber.connection }

    func sendOnLoop(_ frame: EncodedFrame) {
        self.deliverOnLoop(frame, at: nil)
    }

    func deliverOnLoop(_ frame: EncodedFrame, at position: PubSubPosition?) {
        let state = self.state.value
        if state.catchingUp {
            state.held.append((frame, position))
        } else {
            self.pass(frame, at: position, state)
        }
    }

    /// Sends what was missed (nil: it could not be recovered), then what was held back; called on the loop.
    func caughtUp(with missed: [(frame: EncodedFrame, position: PubSubPosition?)]?) {
        let state = self.state.value
        if missed == nil { state.last = nil }
        for (frame, position) in missed ?? [] { self.pass(frame, at: position, state) }
        state.catchingUp = false
        let held = state.held
        state.held = []
        for (frame, position) in held { self.pass(frame, at: position, state) }
    }

    private func pass(_ frame: EncodedFrame, at position: PubSubPosition?, _ state: State) {
        if let position, let last = state.last {
            // Of the same history only what comes after; a new epoch's messages are all new.
            if position.epoch == last.epoch, position <= last { return }
        }
        if let position { state.last = position }
        self.subscriber.deliverOnLoop(frame, at: position)
    }
}
