import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import JourneyWebSocket

@Suite struct EncodedFrameTests {
    /// What NIO's own encoder writes for the frame, gathered into one buffer.
    static func encodedByNIO(_ frame: WebSocketFrame) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeOutbound(frame)
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    @Test(arguments: [0, 1, 125, 126, 65_535, 65_536, 100_000])
    func theBytesAreNIOsFrameEncoding(length: Int) throws {
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: length)
        let text = EncodedFrame(text: payload)
        #expect(
            Array(text.bytes.readableBytesView)
                == (try Self.encodedByNIO(.init(fin: true, opcode: .text, data: payload)))
        )
        let binary = EncodedFrame(binary: payload)
        #expect(
            Array(binary.bytes.readableBytesView)
                == (try Self.encodedByNIO(.init(fin: true, opcode: .binary, data: payload)))
        )
        #expect(text.payloadLength == length)
    }
}
