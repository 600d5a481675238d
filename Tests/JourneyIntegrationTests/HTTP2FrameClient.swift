import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A client that speaks HTTP/2 frames by hand, for what a well-behaved library client never does: floods,
/// streams reset as soon as opened, more streams than allowed. It reads the server's frames as they come.
struct HTTP2FrameClient {
    /// One frame as it crossed the wire.
    struct Frame {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]

        static let data: UInt8 = 0
        static let headers: UInt8 = 1
        static let resetStream: UInt8 = 3
        static let settings: UInt8 = 4
        static let ping: UInt8 = 6
        static let goAway: UInt8 = 7
        static let windowUpdate: UInt8 = 8

        /// The error code of a RST_STREAM or GOAWAY frame.
        var errorCode: UInt32? {
            let offset: Int
            switch self.type {
            case Self.resetStream: offset = 0
            case Self.goAway: offset = 4
            default: return nil
            }
            guard self.payload.count >= offset + 4 else { return nil }
            return self.payload[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }

        /// The last stream a GOAWAY says the server processed.
        var lastStreamID: UInt32? {
            guard self.type == Self.goAway, self.payload.count >= 4 else { return nil }
            return self.payload[0..<4].reduce(0) { $0 << 8 | UInt32($1) } & 0x7fff_ffff
        }

        /// The (identifier, value) pairs of a SETTINGS frame.
        var settings: [(UInt16, UInt32)] {
            stride(from: 0, to: self.payload.count - 5, by: 6).map { index in
                let identifier = UInt16(self.payload[index]) << 8 | UInt16(self.payload[index + 1])
                let value = self.payload[index + 2..<index + 6].reduce(0) { $0 << 8 | UInt32($1) }
                return (identifier, value)
            }
        }
    }

    /// RFC 9113 §3.4.
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// A frame's bytes.
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags]
            + [UInt8(stream >> 24 & 0x7f), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)]
            + payload
    }

    /// A GET / request's HEADERS on `stream` (HPACK: static-table indices, and a literal authority), ending the
    /// stream unless the request has a body to come.
    static func get(stream: UInt32, endStream: Bool = true) -> [UInt8] {
        // :method GET, :scheme http, :path /, :authority "x" (literal without indexing, name index 1).
        let block: [UInt8] = [0x82, 0x86, 0x84, 0x01, 0x01, UInt8(ascii: "x")]
        return Self.frame(type: Frame.headers, flags: endStream ? 0x5 : 0x4, stream: stream, payload: block)
    }

    /// A GET of `path` on `stream`, ending it (the literal `:path` takes up to 127 bytes).
    static func get(_ path: String, stream: UInt32) -> [UInt8] {
        let block: [UInt8] =
            [0x82, 0x86, 0x04, UInt8(path.utf8.count)] + Array(path.utf8) + [0x01, 0x01, UInt8(ascii: "x")]
        return Self.frame(type: Frame.headers, flags: 0x5, stream: stream, payload: block)
    }

    /// A GET of `path` on `stream` with `authority` as `:authority`, as any bytes (both literals take up to 127).
    static func get(_ path: String, authority: String, stream: UInt32) -> [UInt8] {
        let block: [UInt8] =
            [0x82, 0x86, 0x04, UInt8(path.utf8.count)] + Array(path.utf8)
            + [0x01, UInt8(authority.utf8.count)] + Array(authority.utf8)
        return Self.frame(type: Frame.headers, flags: 0x5, stream: stream, payload: block)
    }

    /// SETTINGS with SETTINGS_INITIAL_WINDOW_SIZE = `size`: each stream's answer may send that many bytes of body
    /// before the client opens its window further.
    static func initialWindow(_ size: UInt32) -> [UInt8] {
        Self.frame(type: Frame.settings, payload: [0, 0x4] + Self.bigEndian(size))
    }

    /// WINDOW_UPDATE for `stream` by `increment`.
    static func windowUpdate(stream: UInt32, by increment: UInt32) -> [UInt8] {
        Self.frame(type: Frame.windowUpdate, stream: stream, payload: Self.bigEndian(increment))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// RST_STREAM(CANCEL) for `stream`.
    static func cancel(stream: UInt32) -> [UInt8] {
        Self.frame(type: Frame.resetStream, stream: stream, payload: [0, 0, 0, 8])
    }

    /// The frames in `bytes`, and how many bytes they took (a partial frame at the end is left).
    static func frames(in bytes: [UInt8]) -> (frames: [Frame], consumed: Int) {
        var frames: [Frame] = []
        var index = 0
        while bytes.count - index >= 9 {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            guard bytes.count - index >= 9 + length else { break }
            let stream = bytes[index + 5..<index + 9].reduce(0) { $0 << 8 | UInt32($1) } & 0x7fff_ffff
            frames.append(
                Frame(
                    type: bytes[index + 3],
                    flags: bytes[index + 4],
                    stream: stream,
                    payload: Array(bytes[index + 9..<index + 9 + length])
                )
            )
            index += 9 + length
        }
        return (frames, index)
    }

    /// Connects to 127.0.0.1:`port`, sends `bytes`, and reads the server's frames until `done` says so or the
    /// server closes. Returns the frames and whether the server closed. A server that does neither within
    /// `deadline` fails the test (the channel is closed then, and the frames so far are returned as not closed).
    static func send(
        _ bytes: [UInt8],
        port: Int,
        deadline: Duration = .seconds(20),
        until done: ([Frame]) -> Bool = { _ in false }
    ) async throws -> (frames: [Frame], serverClosed: Bool) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let underlying = channel.channel
        let expired = NIOLockedValueBox(false)
        let timeout = Task {
            try await Task.sleep(for: deadline)
            expired.withLockedValue { $0 = true }
            try? await underlying.close()
        }
        defer { timeout.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var received: [UInt8] = []
            var frames: [Frame] = []
            do {
                for try await buffer in inbound {
                    received += buffer.readableBytesView
                    let (new, consumed) = Self.frames(in: received)
                    received.removeFirst(consumed)
                    frames += new
                    // A well-behaved peer answers the server's PINGs (its graceful GOAWAY waits for one).
                    for ping in new where ping.type == Frame.ping && ping.flags & 0x1 == 0 {
                        try await outbound.write(
                            ByteBuffer(bytes: Self.frame(type: Frame.ping, flags: 0x1, payload: ping.payload))
                        )
                    }
                    if done(frames) { return (frames, false) }
                }
            } catch {
                // A reset after the server closed is a close too.
            }
            return (frames, !expired.withLockedValue { $0 })
        }
    }
}
