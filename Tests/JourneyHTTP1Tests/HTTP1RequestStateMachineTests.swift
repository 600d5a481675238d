import HTTPTypes
import JourneyConnection
import JourneyCore
import NIOCore
import Testing

@testable import JourneyHTTP1

/// The HTTP/1.1 request loop's rules, event by event, without a channel.
@Suite struct HTTP1RequestStateMachineTests {
    typealias Machine = HTTP1RequestStateMachine

    /// What an action was, told apart without comparing requests.
    enum Said: Equatable {
        case none
        case respondEarly(HTTPResponse.Status)
        case close
        case passOn
        case failStream(HTTPResponse.Status)
    }

    /// One event of the loop, as the request handler would report it.
    enum Event: CustomTestStringConvertible {
        case head(keepAlive: Bool)
        /// A head whose body streams to the handler, which then has the request.
        case streamingHead
        /// A streamed body's end; says `.passOn` when the handler still reads it.
        case streamEnd
        /// A head whose streamed body its declared length refuses; the handler still answers it.
        case refusedStream
        case refusedHead(HTTPResponse.Status)
        case body(Int)
        case end
        case inputClosed(held: Bool)
        case drain(held: Bool)
        case bodyTimedOut
        case parseFailed
        case park
        case writable

        var testDescription: String { "\(self)" }
    }

    static func pending(keepAlive: Bool = true) -> Machine.Pending {
        let head = HTTPRequest(method: .post, scheme: nil, authority: "x", path: "/")
        return Machine.Pending(
            answered: AnsweredRequest(Request(head: head), method: "POST", target: "/", timeline: RequestTimeline()),
            keepAlive: keepAlive
        )
    }

    /// Feeds `events` to a fresh machine (bodies under a 10-byte limit) and returns what each one said; `end` says
    /// `.none` whether or not it hands a request over (`handedOver` counts those).
    static func run(_ events: [Event], machine: inout Machine) -> (said: [Said], handedOver: Int) {
        var said: [Said] = []
        var handedOver = 0
        var lastEnded: Machine.Pending?
        func tell(_ action: Machine.Action) {
            switch action {
            case .none: said.append(.none)
            case .respondEarly(_, let status, _): said.append(.respondEarly(status))
            case .close: said.append(.close)
            case .passOn: said.append(.passOn)
            case .failStream(let status): said.append(.failStream(status))
            }
        }
        for event in events {
            switch event {
            case .head(let keepAlive):
                machine.headAccepted(Self.pending(keepAlive: keepAlive), limit: RequestBodyLimit(maximum: 10))
                said.append(.none)
            case .streamingHead:
                machine.headAcceptedStreaming(limit: RequestBodyLimit(maximum: 10))
                handedOver += 1
                said.append(.none)
            case .streamEnd:
                said.append(machine.streamedBodyEnded() ? .passOn : .none)
            case .refusedStream:
                machine.streamRefused()
                handedOver += 1
                said.append(.none)
            case .refusedHead(let status):
                tell(machine.headRefused(Self.pending(), status: status))
            case .body(let count):
                var piece = ByteBuffer(repeating: 0x61, count: count)
                tell(machine.bodyReceived(&piece))
            case .end:
                lastEnded = machine.endReceived()
                if lastEnded != nil { handedOver += 1 }
                said.append(.none)
            case .inputClosed(let held):
                tell(machine.inputClosed(requestHeldUpstream: held))
            case .drain(let held):
                tell(machine.drainRequested(requestHeldUpstream: held))
            case .bodyTimedOut:
                tell(machine.bodyTimedOut())
            case .parseFailed:
                tell(machine.parseFailed(status: .badRequest, unparsed: Self.pending(keepAlive: false)))
            case .park:
                if let lastEnded { machine.park(lastEnded) }
                said.append(.none)
            case .writable:
                if machine.channelBecameWritable() != nil { handedOver += 1 }
                said.append(.none)
            }
        }
        return (said, handedOver)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var events: [Event]
        var said: [Said]
        var handedOver: Int
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(
            name: "a request is handed over at its end",
            events: [.head(keepAlive: true), .end],
            said: [.none, .none],
            handedOver: 1
        ),
        Case(
            name: "a body within the limit is collected",
            events: [.head(keepAlive: true), .body(4), .body(6), .end],
            said: [.none, .none, .none, .none],
            handedOver: 1
        ),
        Case(
            name: "a body over the limit is 413 at once, and its end is ignored",
            events: [.head(keepAlive: true), .body(6), .body(5), .end, .body(1)],
            said: [.none, .none, .respondEarly(.contentTooLarge), .none, .none],
            handedOver: 0
        ),
        Case(
            name: "a refused head answers early; what follows is ignored",
            events: [.refusedHead(.methodNotAllowed), .body(3), .end, .head(keepAlive: true), .end],
            said: [.respondEarly(.methodNotAllowed), .none, .none, .none, .none],
            handedOver: 0
        ),
        Case(
            name: "a body that stops arriving is 408",
            events: [.head(keepAlive: true), .bodyTimedOut, .end],
            said: [.none, .respondEarly(.requestTimeout), .none],
            handedOver: 0
        ),
        Case(
            name: "a body timeout with no request in hand says nothing",
            events: [.bodyTimedOut],
            said: [.none],
            handedOver: 0
        ),
        Case(
            name: "a parse error while idle is answered",
            events: [.parseFailed],
            said: [.respondEarly(.badRequest)],
            handedOver: 0
        ),
        Case(
            name: "a parse error during a body is answered",
            events: [.head(keepAlive: true), .body(2), .parseFailed],
            said: [.none, .none, .respondEarly(.badRequest)],
            handedOver: 0
        ),
        Case(
            name: "a parse error while responding waits for the response",
            events: [
                .head(keepAlive: true), .end,
                .parseFailed,
            ],
            said: [.none, .none, .none],
            handedOver: 1
        ),
        Case(
            name: "a second parse error after an early answer says nothing",
            events: [.parseFailed, .parseFailed],
            said: [.respondEarly(.badRequest), .none],
            handedOver: 0
        ),
        Case(
            name: "a half-close while idle closes",
            events: [.inputClosed(held: false)],
            said: [.close],
            handedOver: 0
        ),
        Case(
            name: "a half-close waits for a request the upgrade handler holds",
            events: [.inputClosed(held: true)],
            said: [.none],
            handedOver: 0
        ),
        Case(
            name: "a half-close while responding waits for the response",
            events: [
                .head(keepAlive: true), .end,
                .inputClosed(held: false),
            ],
            said: [.none, .none, .none],
            handedOver: 1
        ),
        Case(name: "a drain while idle closes", events: [.drain(held: false)], said: [.close], handedOver: 0),
        Case(
            name: "a streamed body is passed on piece by piece, and ended",
            events: [.streamingHead, .body(4), .body(6), .streamEnd, .end],
            said: [.none, .passOn, .passOn, .passOn, .none],
            handedOver: 1
        ),
        Case(
            name: "a streamed body over the limit fails the stream; what follows is ignored",
            events: [.streamingHead, .body(6), .body(5), .body(1), .streamEnd],
            said: [.none, .passOn, .failStream(.contentTooLarge), .none, .none],
            handedOver: 1
        ),
        Case(
            name: "a streamed body that stops arriving fails the stream with 408",
            events: [.streamingHead, .body(2), .bodyTimedOut],
            said: [.none, .passOn, .failStream(.requestTimeout)],
            handedOver: 1
        ),
        Case(
            name: "a streamed body cut short by a parse error fails the stream with it",
            events: [.streamingHead, .parseFailed],
            said: [.none, .failStream(.badRequest)],
            handedOver: 1
        ),
        Case(
            name: "a parked request is handed over when the queue drains",
            events: [
                .head(keepAlive: true), .end,
                .park, .writable, .writable,
            ],
            said: [.none, .none, .none, .none, .none],
            handedOver: 2
        ),
    ]

    @Test(arguments: Self.cases)
    func eventsSayWhatToDo(_ testCase: Case) {
        var machine = Machine()
        let (said, handedOver) = Self.run(testCase.events, machine: &machine)
        #expect(said == testCase.said)
        #expect(handedOver == testCase.handedOver)
    }

    /// How the connection goes on after an answer: request, response and connection state decide it together.
    struct Ending: CustomTestStringConvertible, Sendable {
        var name: String
        var events: [Event]
        var requestKeepsAlive: Bool
        var responseAsksToClose: Bool
        var continuation: Machine.Continuation
        var readsHeadAfter: Bool
        var testDescription: String { self.name }
    }

    static let endings: [Ending] = [
        Ending(
            name: "keep-alive",
            events: [.head(keepAlive: true), .end],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .keepAlive,
            readsHeadAfter: true
        ),
        Ending(
            name: "the request asks to close",
            events: [.head(keepAlive: false), .end],
            requestKeepsAlive: false,
            responseAsksToClose: false,
            continuation: .close,
            readsHeadAfter: false
        ),
        Ending(
            name: "the responder asks to close",
            events: [.head(keepAlive: true), .end],
            requestKeepsAlive: true,
            responseAsksToClose: true,
            continuation: .close,
            readsHeadAfter: false
        ),
        Ending(
            name: "half-closed while responding",
            events: [.head(keepAlive: true), .end, .inputClosed(held: false)],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .close,
            readsHeadAfter: false
        ),
        Ending(
            name: "draining while responding",
            events: [.head(keepAlive: true), .end, .drain(held: false)],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .close,
            readsHeadAfter: false
        ),
        Ending(
            name: "an early answer lingers",
            events: [.head(keepAlive: true), .body(11)],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .linger,
            readsHeadAfter: false
        ),
        Ending(
            name: "a streamed body read to its end keeps alive",
            events: [.streamingHead, .body(3), .streamEnd],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .keepAlive,
            readsHeadAfter: true
        ),
        Ending(
            name: "an answer to a streamed body its head refused lingers",
            events: [.refusedStream, .body(3), .streamEnd],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .linger,
            readsHeadAfter: false
        ),
        Ending(
            name: "an answer before the streamed body ended lingers",
            events: [.streamingHead, .body(3)],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .linger,
            readsHeadAfter: false
        ),
        Ending(
            name: "an early answer to a half-closed client closes",
            events: [
                .inputClosed(held: true),
                .refusedHead(.badRequest),
            ],
            requestKeepsAlive: true,
            responseAsksToClose: false,
            continuation: .close,
            readsHeadAfter: false
        ),
    ]

    @Test(arguments: Self.endings)
    func anAnswerEndsTheConnectionOrNot(_ ending: Ending) {
        var machine = Machine()
        _ = Self.run(ending.events, machine: &machine)
        let keepAlive = machine.keepsAlive(
            Self.pending(keepAlive: ending.requestKeepsAlive),
            responseAsksToClose: ending.responseAsksToClose
        )
        #expect(machine.responseEnding(keepAlive: keepAlive) == ending.continuation)
        #expect(machine.readsHead == ending.readsHeadAfter)
    }

    @Test func anUpgradersRefusalIsTakenOnce() {
        var machine = Machine()
        machine.upgraderRefused(HTTPError(.forbidden))
        #expect(machine.takeRefusal()?.status == .forbidden)
        #expect(machine.takeRefusal() == nil)
    }

    @Test func aRefusalArrivingWhileResponding() {
        var machine = Machine()
        _ = Self.run([.head(keepAlive: true), .end], machine: &machine)
        machine.upgraderRefused(HTTPError(.forbidden))
        #expect(machine.takeRefusal() == nil)
    }

    @Test func aFailedFileBodyCloses() {
        var machine = Machine()
        _ = Self.run([.head(keepAlive: true), .end], machine: &machine)
        #expect(machine.keepsAlive(Self.pending(), responseAsksToClose: false))
        guard case .close = machine.bodyFailed() else {
            Issue.record("a failed body must close")
            return
        }
        // Nothing more is answered on the connection: no keep-alive, no next request.
        #expect(!machine.keepsAlive(Self.pending(), responseAsksToClose: false))
        #expect(!machine.readsHead)
    }
}
