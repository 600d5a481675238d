import HTTPTypes
import JourneyConnection
import JourneyCore
import NIOCore

/// The request loop of one HTTP/1.1 connection as a value: each event returns what the request handler must do, so
/// every rule about when a request is answered, when the connection stays open, closes or lingers is here, and is
/// table-tested without a channel (`HTTP1RequestStateMachineTests`), in the manner of NIO's
/// `HTTPServerPipelineHandler`.
///
/// NIO's pipelining handler in front hands over one request at a time, so there is at most one request here.
struct HTTP1RequestStateMachine {
    /// A request on its way through the connection: what Decode collects and what Write and the log phase need.
    struct Pending {
        var answered: AnsweredRequest
        /// Whether the request allows the connection to stay open after its answer (its version and
        /// `Connection` field; false for one that asks to switch protocols).
        var keepAlive: Bool
    }

    private enum State {
        /// Waiting for a request head.
        case idle
        /// A head arrived; its body is being collected.
        case receiving(Pending, RequestBodyLimit)
        /// A head arrived and went to the responder at once; its body is streamed to the handler as it arrives.
        case streaming(RequestBodyLimit)
        /// The responder is working on the request, or it waits (`parked`) for the send queue to drain.
        case responding(parked: Pending?)
        /// An early answer was given, or the connection failed: the rest of the request is ignored and the
        /// connection closes.
        case closing
    }

    private var state = State.idle
    /// The client half-closed, or the server is shutting down: finish the response in hand, then close.
    private var finishing = false
    /// The client half-closed: there is nothing left to drain, and a protocol switched to must hear of it.
    private(set) var inputClosed = false
    /// An upgrader's refusal of the request on its way here: its answer, instead of the responder's.
    private var refusal: HTTPError?

    /// What the handler does after an event.
    enum Action {
        /// Nothing.
        case none
        /// Answer `pending` now, before its request is complete (400, 405, 408, 413, 417, parse errors), with this
        /// status and fields, and close.
        case respondEarly(Pending, HTTPResponse.Status, HTTPFields)
        /// Close once the last response written so far has left.
        case close
        /// Hand the piece to the handler reading the streamed body.
        case passOn
        /// End the streamed body with this status's error (413, 408, 400): the handler's read throws it, and the
        /// connection closes after the answer.
        case failStream(HTTPResponse.Status)
    }

    /// Whether a head would be read now: one arriving while a request is still in hand is ignored (NIO's
    /// pipelining handler holds the next one back, so it happens only after an early answer).
    var readsHead: Bool {
        if case .idle = self.state { return true }
        return false
    }

    /// A head arrived that was refused for what it says (a bad Host, framing, a refusal from the responder).
    mutating func headRefused(
        _ pending: Pending,
        status: HTTPResponse.Status,
        headerFields: HTTPFields = [:]
    ) -> Action {
        guard case .idle = self.state else { return .none }
        self.state = .closing
        return .respondEarly(pending, status, headerFields)
    }

    /// A head arrived and was accepted: its body (if any) is collected under `limit`.
    mutating func headAccepted(_ pending: Pending, limit: RequestBodyLimit) {
        guard case .idle = self.state else { return }
        self.state = .receiving(pending, limit)
    }

    /// A head arrived and its body is streamed (`RequestBodyPolicy.streamed`): the handler answers it now, while the
    /// body arrives under `limit`.
    mutating func headAcceptedStreaming(limit: RequestBodyLimit) {
        guard case .idle = self.state else { return }
        self.state = .streaming(limit)
    }

    /// A head whose streamed body is refused by the head alone (a declared length over the limit): the handler
    /// answers it, hearing of the refusal from its read, and the connection closes after the answer.
    mutating func streamRefused() {
        guard case .idle = self.state else { return }
        self.state = .closing
    }

    /// The streamed body is complete; false when it no longer goes to the handler (it failed, or the answer is out).
    mutating func streamedBodyEnded() -> Bool {
        guard case .streaming = self.state else { return false }
        self.state = .responding(parked: nil)
        return true
    }

    /// A piece of the body arrived; it is added to the request (or passed on to a handler streaming it) unless it
    /// takes the body over its limit.
    mutating func bodyReceived(_ piece: inout ByteBuffer) -> Action {
        if case .streaming(var limit) = self.state {
            guard limit.receive(piece.readableBytes) == .accept else {
                self.state = .closing
                return .failStream(.contentTooLarge)
            }
            self.state = .streaming(limit)
            return .passOn
        }
        guard case .receiving(var pending, var limit) = self.state else { return .none }
        // Leaves the state without a second reference to the request's body, so collecting appends in place.
        self.state = .closing
        guard limit.collect(&piece, into: &pending.answered.request) == .accept else {
            return .respondEarly(pending, .contentTooLarge, [:])
        }
        self.state = .receiving(pending, limit)
        return .none
    }

    /// The request is complete: the handler answers it (`respond(to:)`), or parks it while the send queue is full
    /// (`park(_:)`). Nil when there is no request to answer (it was answered early).
    mutating func endReceived() -> Pending? {
        guard case .receiving(let pending, _) = self.state else { return nil }
        self.state = .responding(parked: nil)
        return pending
    }

    /// Backpressure: while the client is not reading, the complete request waits, so NIO's pipelining handler
    /// (which hands over a request only once the previous response is written) stops reading too, and a deep
    /// pipeline cannot pile responses up in memory.
    mutating func park(_ pending: Pending) {
        guard case .responding(parked: nil) = self.state else { return }
        self.state = .responding(parked: pending)
    }

    /// The send queue drained: a parked request is answered now.
    mutating func channelBecameWritable() -> Pending? {
        guard case .responding(parked: let parked?) = self.state else { return nil }
        self.state = .responding(parked: nil)
        return parked
    }

    /// The request goes to the responder: the refusal an upgrader made of it, if any, is its answer instead.
    mutating func takeRefusal() -> HTTPError? {
        defer { self.refusal = nil }
        return self.refusal
    }

    /// An upgrader refused the request on its way here (NIO's upgrade handler reports it, then passes the request
    /// on).
    mutating func upgraderRefused(_ refusal: HTTPError) {
        guard case .idle = self.state else { return }
        self.refusal = refusal
    }

    /// The client half-closed its side. `requestHeldUpstream`: a request head NIO's upgrade handler is still deciding
    /// on, which is answered (and the connection closed after it) when it arrives, or the connection switches.
    mutating func inputClosed(requestHeldUpstream: Bool) -> Action {
        self.inputClosed = true
        return self.finish(requestHeldUpstream: requestHeldUpstream)
    }

    /// The server is shutting down: the response in hand is finished, no further request is read.
    mutating func drainRequested(requestHeldUpstream: Bool) -> Action {
        self.finish(requestHeldUpstream: requestHeldUpstream)
    }

    private mutating func finish(requestHeldUpstream: Bool) -> Action {
        self.finishing = true
        guard case .idle = self.state, !requestHeldUpstream else { return .none }
        return .close
    }

    /// The body stopped arriving (a pause, or below the minimum rate): 408, as Kestrel and nginx answer.
    mutating func bodyTimedOut() -> Action {
        if case .streaming = self.state {
            self.state = .closing
            return .failStream(.requestTimeout)
        }
        guard case .receiving(let pending, _) = self.state else { return .none }
        self.state = .closing
        return .respondEarly(pending, .requestTimeout, [:])
    }

    /// llhttp could not parse the request; `unparsed` stands for it in the answer and the log.
    mutating func parseFailed(status: HTTPResponse.Status, unparsed: Pending) -> Action {
        switch self.state {
        case .closing:
            // The response in hand already closes the connection.
            return .none
        case .responding:
            // NIO's pipelining handler holds errors back until the response in hand is written; should one get
            // through, the close after that response is the only answer.
            self.finishing = true
            return .none
        case .idle, .receiving:
            self.state = .closing
            return .respondEarly(unparsed, status, [:])
        case .streaming:
            // The handler has the request already: its read of the body throws, and its answer closes.
            self.state = .closing
            return .failStream(status)
        }
    }

    /// The answer's head is about to be written: whether it keeps the connection open (the request allows it, the
    /// responder did not ask to close, and the connection is not finishing or closing).
    func keepsAlive(_ pending: Pending, responseAsksToClose: Bool) -> Bool {
        switch self.state {
        case .closing, .streaming: return false
        case .idle, .receiving, .responding: break
        }
        return pending.keepAlive && !responseAsksToClose && !self.finishing
    }

    /// How the connection goes on once an answer is complete.
    enum Continuation: Equatable {
        /// It reads the next request.
        case keepAlive
        /// It closes once the answer has left.
        case close
        /// It closes by lingering (`LingeringCloseHandler`): the answer came before the request was read, and the
        /// client may still be sending it, so a reset could cost it the answer.
        case linger
    }

    /// The answer's last part is about to be written; `keepAlive` is what its head said. Ready for the next request
    /// before the end goes out: the pipelining handler may hand it over from inside that write.
    mutating func responseEnding(keepAlive: Bool) -> Continuation {
        // A shutdown or half-close that arrived while a streamed body was still going out: close after it.
        let keepAlive = keepAlive && !self.finishing
        switch self.state {
        case .responding:
            self.state = keepAlive ? .idle : .closing
            return keepAlive ? .keepAlive : .close
        case .closing, .streaming:
            // Answered before its streamed body was read to the end: the rest is drained with the close.
            self.state = .closing
            // A half-closed client has nothing more to send.
            return self.inputClosed ? .close : .linger
        case .idle, .receiving:
            return keepAlive ? .keepAlive : .close
        }
    }

    /// A file body could not be read to the end: the head promised bytes that will not come, only a close tells.
    mutating func bodyFailed() -> Action {
        self.state = .closing
        return .close
    }
}
