import NIOCore
import NIOWebSocket

/// RFC 6455 above the frame codec, as a pure state machine: frames in (from NIO's `WebSocketFrameDecoder`),
/// actions out. It joins fragments, inflates compressed messages (RFC 7692), checks text as UTF-8 while it arrives,
/// answers pings, runs the close handshake and fails the connection with the code the RFC names.
///
/// It never touches a channel, so every rule is tested with a table of frames (and fuzzed in `Fuzz/`).
struct WebSocketSessionStateMachine {
    /// What the connection does after a frame.
    enum Action: Equatable {
        /// Nothing (a fragment was taken in, a pong arrived, the connection is closing).
        case none
        /// Hand a whole message to the route's handler.
        case deliver(WebSocketMessage)
        /// Answer a ping with this payload.
        case pong(ByteBuffer)
        /// The peer closed: answer with a close frame echoing its code (none: an empty close), then close the
        /// connection (RFC 6455 §5.5.1, §7.1.1: the server closes TCP first).
        case echoClose(WebSocketErrorCode?)
        /// The peer broke a rule: send a close frame with this code and reason, then close the connection
        /// (RFC 6455 §7.1.7, "fail the WebSocket connection").
        case fail(WebSocketErrorCode, reason: String)
        /// The peer answered the server's close: close the connection.
        case hangUp
    }

    private enum State {
        case open
        /// The server sent its close and waits for the peer's.
        case closeSent
        case closed
    }

    /// A data message whose last fragment has not arrived.
    private struct PartialMessage {
        let isText: Bool
        let isCompressed: Bool
        var bytes: ByteBuffer
        var text = UTF8Validation()
    }

    private var state = State.open
    private var message: PartialMessage?
    /// The code of the peer's close frame, once one arrived with a code.
    private(set) var peerCloseCode: WebSocketErrorCode?
    /// The largest message, inflated, in bytes.
    let maximumMessageSize: Int
    /// permessage-deflate, when it was agreed.
    let deflate: PerMessageDeflate?

    init(maximumMessageSize: Int, deflate: PerMessageDeflate?) {
        self.maximumMessageSize = maximumMessageSize
        self.deflate = deflate
    }

    /// Whether messages may still be sent (the server has not sent its close).
    var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    /// The server closes: true when its close frame should go out now (not once it has, nor after the peer's).
    mutating func close() -> Bool {
        guard case .open = self.state else { return false }
        self.state = .closeSent
        self.message = nil
        return true
    }

    /// The connection is gone: nothing more is done.
    mutating func connectionClosed() {
        self.state = .closed
        self.message = nil
    }

    /// Takes one frame from the peer.
    mutating func receive(_ frame: WebSocketFrame) -> Action {
        if case .closed = self.state { return .none }
        // RFC 6455 §5.1: a client masks every frame.
        guard let maskKey = frame.maskKey else { return self.fail(.protocolError, "unmasked frame") }
        guard !frame.rsv2, !frame.rsv3 else { return self.fail(.protocolError, "reserved bit set") }
        var payload = frame.data
        payload.webSocketUnmask(maskKey)
        switch frame.opcode {
        case .ping, .pong, .connectionClose:
            // §5.5: control frames are whole, short and never compressed (RFC 7692 §6.1).
            guard frame.fin, payload.readableBytes <= 125, !frame.rsv1 else {
                return self.fail(.protocolError, "malformed control frame")
            }
            return self.control(frame.opcode, payload)
        case .text, .binary:
            guard self.message == nil else { return self.fail(.protocolError, "new message inside a fragmented one") }
            // RFC 7692 §6: RSV1 marks a compressed message, on its first frame only, when deflate was agreed.
            guard !frame.rsv1 || self.deflate != nil else { return self.fail(.protocolError, "reserved bit set") }
            guard case .open = self.state else { return .none }
            let isText = frame.opcode == .text
            if frame.fin, !frame.rsv1 { return self.whole(payload, isText: isText) }
            self.message = PartialMessage(
                isText: isText,
                isCompressed: frame.rsv1,
                bytes: ByteBuffer()
            )
            return self.append(payload, isFinal: frame.fin)
        case .continuation:
            guard self.message != nil || !self.isOpen else {
                return self.fail(.protocolError, "continuation without a message")
            }
            guard !frame.rsv1 else { return self.fail(.protocolError, "reserved bit set") }
            guard case .open = self.state else { return .none }
            return self.append(payload, isFinal: frame.fin)
        default:
            return self.fail(.protocolError, "unknown opcode")
        }
    }

    /// A message in one uncompressed frame: no copy.
    private mutating func whole(_ payload: ByteBuffer, isText: Bool) -> Action {
        guard payload.readableBytes <= self.maximumMessageSize else {
            return self.fail(.messageTooLarge, "message too large")
        }
        guard isText else { return .deliver(.binary(payload)) }
        // Whole, the text is checked and made a String in one pass.
        guard let text = payload.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) else {
            return self.fail(.dataInconsistentWithMessage, "text is not UTF-8")
        }
        return .deliver(.text(text))
    }

    /// A fragment of the message under way; the message goes to the handler with its last one.
    private mutating func append(_ payload: ByteBuffer, isFinal: Bool) -> Action {
        guard var message = self.message else { return .none }
        self.message = nil  // the buffer is appended to without a copy
        if message.isCompressed, let deflate = self.deflate {
            let start = message.bytes.writerIndex
            do {
                try deflate.inflate(
                    payload,
                    isFinal: isFinal,
                    into: &message.bytes,
                    limit: self.maximumMessageSize
                )
            } catch .tooLarge {
                return self.fail(.messageTooLarge, "message too large")
            } catch {
                return self.fail(.dataInconsistentWithMessage, "not a deflate stream")
            }
            if message.isText {
                let inflated = message.bytes.getSlice(at: start, length: message.bytes.writerIndex - start)
                guard let inflated, message.text.consume(inflated) else {
                    return self.fail(.dataInconsistentWithMessage, "text is not UTF-8")
                }
            }
        } else {
            guard message.bytes.readableBytes + payload.readableBytes <= self.maximumMessageSize else {
                return self.fail(.messageTooLarge, "message too large")
            }
            // RFC 6455 §8.1: invalid text fails as soon as it arrives, not with the last fragment.
            if message.isText, !message.text.consume(payload) {
                return self.fail(.dataInconsistentWithMessage, "text is not UTF-8")
            }
            if message.bytes.readableBytes == 0 {
                message.bytes = payload
            } else {
                message.bytes.writeImmutableBuffer(payload)
            }
        }
        guard isFinal else {
            self.message = message
            return .none
        }
        guard message.isText else { return .deliver(.binary(message.bytes)) }
        guard message.text.isComplete else { return self.fail(.dataInconsistentWithMessage, "text is not UTF-8") }
        return .deliver(.text(String(buffer: message.bytes)))
    }

    private mutating func control(_ opcode: WebSocketOpcode, _ payload: ByteBuffer) -> Action {
        switch opcode {
        case .ping:
            guard case .open = self.state else { return .none }
            return .pong(payload)
        case .connectionClose:
            var payload = payload
            var code: WebSocketErrorCode?
            if payload.readableBytes > 0 {
                // §5.5.1: a body starts with a two-byte code; §7.4: only some codes may be sent.
                guard let number = payload.readInteger(as: UInt16.self), Self.isSendable(number) else {
                    return self.fail(.protocolError, "invalid close code")
                }
                var reason = UTF8Validation()
                guard reason.consume(payload), reason.isComplete else {
                    return self.fail(.dataInconsistentWithMessage, "close reason is not UTF-8")
                }
                code = WebSocketErrorCode(codeNumber: Int(number))
            }
            self.peerCloseCode = code
            let wasOpen = self.isOpen
            self.state = .closed
            self.message = nil
            // §5.5.1: the endpoint that receives a close answers with one (echoing the code), then the server closes.
            return wasOpen ? .echoClose(code) : .hangUp
        default:
            return .none
        }
    }

    /// Codes a peer may send in a close frame (RFC 6455 §7.4.1, the IANA registry, 3000-4999 for applications).
    private static func isSendable(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    private mutating func fail(_ code: WebSocketErrorCode, _ reason: String) -> Action {
        let wasOpen = self.isOpen
        self.state = .closed
        self.message = nil
        // A server that already sent its close does not send another (§5.5.1); it just goes.
        return wasOpen ? .fail(code, reason: reason) : .hangUp
    }
}
