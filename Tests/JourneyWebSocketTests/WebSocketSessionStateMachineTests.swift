import NIOCore
import NIOWebSocket
import Testing

@testable import JourneyWebSocket

/// RFC 6455's rules above the codec, frame by frame, with no channel.
@Suite struct WebSocketSessionStateMachineTests {
    typealias Action = WebSocketSessionStateMachine.Action

    /// A client's frame: masked, `payload` as bytes.
    static func frame(
        _ opcode: WebSocketOpcode,
        _ payload: [UInt8] = [],
        fin: Bool = true,
        rsv1: Bool = false,
        rsv2: Bool = false,
        masked: Bool = true
    ) -> WebSocketFrame {
        let key: WebSocketMaskingKey = [0xA1, 0xB2, 0xC3, 0xD4]
        var data = ByteBuffer(bytes: payload)
        if masked { data.webSocketMask(key) }
        return WebSocketFrame(
            fin: fin,
            rsv1: rsv1,
            rsv2: rsv2,
            opcode: opcode,
            maskKey: masked ? key : nil,
            data: data
        )
    }

    static func text(_ string: String, fin: Bool = true) -> WebSocketFrame {
        frame(.text, Array(string.utf8), fin: fin)
    }

    static func close(_ code: UInt16?, _ reason: [UInt8] = []) -> WebSocketFrame {
        var payload: [UInt8] = code.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? []
        payload += reason
        return frame(.connectionClose, payload)
    }

    static func run(_ frames: [WebSocketFrame], limit: Int = 1 << 10) -> [Action] {
        var machine = WebSocketSessionStateMachine(maximumMessageSize: limit, deflate: nil)
        return frames.map { machine.receive($0) }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let frames: [WebSocketFrame]
        let last: Action
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(name: "a text message in one frame", frames: [text("héllo")], last: .deliver(.text("héllo"))),
        Case(
            name: "fragments joined, a ping between them answered",
            frames: [text("a", fin: false), frame(.ping, [1]), frame(.continuation, Array("b".utf8))],
            last: .deliver(.text("ab"))
        ),
        Case(
            name: "a code point split across fragments",
            frames: [frame(.text, [0xE2, 0x82], fin: false), frame(.continuation, [0xAC])],
            last: .deliver(.text("€"))
        ),
        Case(
            name: "invalid UTF-8 fails at once, before the last fragment",
            frames: [frame(.text, [0x61, 0xC0], fin: false)],
            last: .fail(.dataInconsistentWithMessage, reason: "text is not UTF-8")
        ),
        Case(
            name: "a surrogate is not UTF-8",
            frames: [frame(.text, [0xED, 0xA0, 0x80])],
            last: .fail(.dataInconsistentWithMessage, reason: "text is not UTF-8")
        ),
        Case(
            name: "text that ends inside a code point",
            frames: [frame(.text, [0xF0, 0x9F], fin: false), frame(.continuation, [0x98])],
            last: .fail(.dataInconsistentWithMessage, reason: "text is not UTF-8")
        ),
        Case(
            name: "binary is not checked",
            frames: [frame(.binary, [0xFF, 0x00])],
            last: .deliver(.binary(ByteBuffer(bytes: [0xFF, 0x00])))
        ),
        Case(
            name: "a continuation with no message",
            frames: [frame(.continuation, [1])],
            last: .fail(.protocolError, reason: "continuation without a message")
        ),
        Case(
            name: "a new message inside a fragmented one",
            frames: [text("a", fin: false), text("b")],
            last: .fail(.protocolError, reason: "new message inside a fragmented one")
        ),
        Case(
            name: "a fragmented ping",
            frames: [frame(.ping, [], fin: false)],
            last: .fail(.protocolError, reason: "malformed control frame")
        ),
        Case(
            name: "a ping of 126 bytes",
            frames: [frame(.ping, Array(repeating: 0, count: 126))],
            last: .fail(.protocolError, reason: "malformed control frame")
        ),
        Case(
            name: "a reserved bit",
            frames: [frame(.text, [], rsv2: true)],
            last: .fail(.protocolError, reason: "reserved bit set")
        ),
        Case(
            name: "RSV1 without deflate agreed",
            frames: [frame(.text, [], rsv1: true)],
            last: .fail(.protocolError, reason: "reserved bit set")
        ),
        Case(
            name: "a reserved opcode",
            frames: [frame(WebSocketOpcode(encodedWebSocketOpcode: 0x3)!)],
            last: .fail(.protocolError, reason: "unknown opcode")
        ),
        Case(
            name: "an unmasked frame",
            frames: [frame(.text, [0x61], masked: false)],
            last: .fail(.protocolError, reason: "unmasked frame")
        ),
        Case(
            name: "a message past the limit, in fragments",
            frames: [
                frame(.binary, Array(repeating: 0, count: 1000), fin: false),
                frame(.continuation, [1] + Array(repeating: 0, count: 24)),
            ],
            last: .fail(.messageTooLarge, reason: "message too large")
        ),
        Case(
            name: "a close with a code is echoed",
            frames: [close(1000, Array("bye".utf8))],
            last: .echoClose(.normalClosure)
        ),
        Case(name: "an empty close is echoed empty", frames: [close(nil)], last: .echoClose(nil)),
        Case(name: "an application's code", frames: [close(4999)], last: .echoClose(.init(codeNumber: 4999))),
        Case(
            name: "a close of one byte",
            frames: [frame(.connectionClose, [0x03])],
            last: .fail(.protocolError, reason: "invalid close code")
        ),
        Case(
            name: "1005 may not be sent",
            frames: [close(1005)],
            last: .fail(.protocolError, reason: "invalid close code")
        ),
        Case(
            name: "a close reason that is not UTF-8",
            frames: [close(1000, [0xC3])],
            last: .fail(.dataInconsistentWithMessage, reason: "close reason is not UTF-8")
        ),
        Case(name: "nothing after a close", frames: [close(1000), text("late")], last: .none),
        Case(name: "a pong is taken in silence", frames: [frame(.pong, [1, 2])], last: .none),
    ]

    @Test(arguments: Self.cases) func frames(_ test: Case) {
        #expect(Self.run(test.frames).last == test.last)
    }

    @Test func theServersCloseIsAnsweredByHangingUp() {
        var machine = WebSocketSessionStateMachine(maximumMessageSize: 100, deflate: nil)
        let first = machine.close()
        let second = machine.close()
        #expect(first && !second)
        #expect(!machine.isOpen)
        #expect(machine.receive(Self.frame(.ping, [1])) == .none)  // no pong after the close
        #expect(machine.receive(Self.text("x")) == .none)
        #expect(machine.receive(Self.close(1000)) == .hangUp)
        #expect(machine.peerCloseCode == .normalClosure)
    }

    @Test func aCompressedMessageIsInflatedWithinTheLimit() throws {
        let agreement = PerMessageDeflateAgreement()
        let sender = PerMessageDeflate(agreement: agreement)
        let text = String(repeating: "abc", count: 200)
        let deflated = try #require(sender.deflate(ByteBuffer(string: text), allocator: ByteBufferAllocator()))
        var machine = WebSocketSessionStateMachine(
            maximumMessageSize: 1 << 10,
            deflate: PerMessageDeflate(agreement: agreement)
        )
        // Split in two frames: RSV1 on the first only.
        let half = deflated.readableBytes / 2
        let first = Self.frame(.text, Array(deflated.readableBytesView.prefix(half)), fin: false, rsv1: true)
        let second = Self.frame(.continuation, Array(deflated.readableBytesView.dropFirst(half)))
        #expect(machine.receive(first) == .none)
        #expect(machine.receive(second) == .deliver(.text(text)))
        // The context carries over: the same text again compresses to less, and still inflates.
        let again = try #require(sender.deflate(ByteBuffer(string: text), allocator: ByteBufferAllocator()))
        #expect(again.readableBytes < deflated.readableBytes)
        #expect(machine.receive(Self.frame(.text, Array(again.readableBytesView), rsv1: true)) == .deliver(.text(text)))
    }

    @Test func aDeflateBombStopsAtTheLimit() throws {
        // 16 MiB of zeros deflate to ~16 KiB; inflating stops one byte past the 64 KiB limit.
        let sender = PerMessageDeflate(agreement: PerMessageDeflateAgreement())
        let bomb = try #require(
            sender.deflate(ByteBuffer(repeating: 0, count: 16 << 20), allocator: ByteBufferAllocator())
        )
        #expect(bomb.readableBytes < 64 << 10)
        var machine = WebSocketSessionStateMachine(
            maximumMessageSize: 64 << 10,
            deflate: PerMessageDeflate(agreement: PerMessageDeflateAgreement())
        )
        let action = machine.receive(Self.frame(.binary, Array(bomb.readableBytesView), rsv1: true))
        #expect(action == .fail(.messageTooLarge, reason: "message too large"))
    }

    @Test func bytesThatAreNotDeflateAre1007() {
        var machine = WebSocketSessionStateMachine(
            maximumMessageSize: 1 << 10,
            deflate: PerMessageDeflate(agreement: PerMessageDeflateAgreement())
        )
        let action = machine.receive(Self.frame(.binary, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF], rsv1: true))
        #expect(action == .fail(.dataInconsistentWithMessage, reason: "not a deflate stream"))
    }
}
