import NIOCore
import NIOWebSocket

@testable import JourneyWebSocket

/// The WebSocket session's state machine on arbitrary frames, with and without permessage-deflate: it never traps;
/// a text message it delivers is what the fragments' bytes say, and it delivers one exactly when they are UTF-8
/// (String(validating:) is the oracle); no message is larger than the limit; after the connection ends (a close
/// echoed, a rule broken, a hang-up) nothing else happens.
///
/// Each frame is read from the input as: a byte of FIN, RSV1, RSV2 and the opcode in its low 4 bits; a byte of
/// length (0 to 127); the payload. The first byte of the input turns deflate on (its low bit).
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let limit = 256
    let deflate = bytes[0] & 1 == 1 ? PerMessageDeflate(agreement: PerMessageDeflateAgreement()) : nil
    var machine = WebSocketSessionStateMachine(maximumMessageSize: limit, deflate: deflate)
    var index = 1
    var ended = false
    // The uncompressed text message under way, as sent: the oracle's input.
    var sentText: [UInt8]?
    var sentCompressed = false
    let key: WebSocketMaskingKey = [0x37, 0xFA, 0x21, 0x3D]
    while index + 2 <= size {
        let flags = bytes[index]
        let length = Int(bytes[index + 1] & 0x7F)
        index += 2
        let payload = Array(bytes[index..<min(size, index + length)])
        index += payload.count
        guard let opcode = WebSocketOpcode(encodedWebSocketOpcode: flags & 0x0F) else { continue }
        var masked = ByteBuffer(bytes: payload)
        masked.webSocketMask(key)
        let frame = WebSocketFrame(
            fin: flags & 0x80 != 0,
            rsv1: flags & 0x40 != 0,
            rsv2: flags & 0x20 != 0,
            opcode: opcode,
            maskKey: key,
            data: masked
        )
        // What the oracle expects of a data frame.
        if opcode == .text, sentText == nil {
            sentText = []
            sentCompressed = frame.rsv1
        }
        if opcode == .text || opcode == .continuation { sentText? += payload }
        let action = machine.receive(frame)
        if ended {
            precondition(action == .none, "something happened after the connection ended")
            continue
        }
        switch action {
        case .none, .pong:
            break
        case .deliver(let message):
            switch message {
            case .text(let text):
                precondition(text.utf8.count <= limit)
                if !sentCompressed, let sent = sentText {
                    precondition(String(validating: sent, as: UTF8.self) == text, "delivered text differs")
                }
            case .binary(let bytes):
                precondition(bytes.readableBytes <= limit)
            }
            sentText = nil
        case .fail(let code, _):
            if code == .dataInconsistentWithMessage, !sentCompressed, let sent = sentText, sent.count <= limit,
                frame.fin, opcode == .text || opcode == .continuation
            {
                precondition(String(validating: sent, as: UTF8.self) == nil, "valid text refused")
            }
            ended = true
        case .echoClose, .hangUp:
            ended = true
        }
        if frame.fin, opcode == .text || opcode == .continuation { sentText = nil }
    }
    return 0
}
