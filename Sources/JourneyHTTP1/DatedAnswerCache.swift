import JourneyCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Prepared answers laid out whole for this second: status line, fields, `Date` line, blank line and body in one
/// buffer. The fast path answers a hot file with that one buffer, so NIO queues one write and the kernel gets one
/// `write(2)`; as three pieces (head, `Date` line, body) in a `writev` the same request cost ~14 % more CPU. For a
/// body that follows by sendfile, the head and `Date` line are kept the same way.
///
/// One per event loop and used only on it, so no lock: `HTTP1Connection` hands each connection its loop's. Emptied
/// when the second (and with it the `Date` line) changes. An answer is kept by its `PreparedResponse.cacheKey`,
/// so a responder that keeps its prepared responses (the open-file cache does) has each laid out once a second.
/// Its fields skip the runtime's exclusivity check (`@exclusivity(unchecked)`) for the same reason: one loop, and no
/// call out while they change, so the check could never fire.
final class DatedAnswerCache {
    /// The most bytes kept at once; an answer that does not fit goes out in its three pieces.
    static let byteLimit = 4 * 1024 * 1024

    private let secondsNow: () -> Int
    @exclusivity(unchecked) private var second = Int.min
    @exclusivity(unchecked) private var keepingAlive = ByteBuffer()
    @exclusivity(unchecked) private var closing = ByteBuffer()
    @exclusivity(unchecked) private var answers: [ObjectIdentifier: LaidOut] = [:]
    /// Heads with the `Date` line, for answers whose body follows by sendfile.
    @exclusivity(unchecked) private var heads: [ObjectIdentifier: LaidOut] = [:]
    @exclusivity(unchecked) private var bytes = 0

    private struct LaidOut {
        /// Held so that no other response takes the identifier while the bytes are kept.
        var cacheKey: PreparedResponse.CacheKey
        var bytes: ByteBuffer
    }

    /// Answers with the `Date` of `secondsNow()`, seconds since 1970 (the system clock unless a test sets one).
    init(secondsNow: @escaping () -> Int = { Int(time(nil)) }) {
        self.secondsNow = secondsNow
    }

    /// The `Date` line for this second, then `Connection: close` when `closing`, then the blank line.
    func endOfHead(closing: Bool) -> ByteBuffer {
        self.turn()
        return closing ? self.closing : self.keepingAlive
    }

    /// `prepared` whole, to keep the connection open with; nil when it does not fit under `byteLimit`.
    func whole(_ prepared: PreparedResponse) -> ByteBuffer? {
        self.turn()
        return Self.laidOut(
            prepared,
            withBody: true,
            endOfHead: self.keepingAlive,
            in: &self.answers,
            bytes: &self.bytes
        )
    }

    /// `prepared`'s head and the `Date` line, to keep the connection open with, for a body sent after it (by
    /// sendfile); nil when it does not fit under `byteLimit`.
    func head(_ prepared: PreparedResponse) -> ByteBuffer? {
        self.turn()
        return Self.laidOut(
            prepared,
            withBody: false,
            endOfHead: self.keepingAlive,
            in: &self.heads,
            bytes: &self.bytes
        )
    }

    private static func laidOut(
        _ prepared: PreparedResponse,
        withBody: Bool,
        endOfHead: ByteBuffer,
        in kept: inout [ObjectIdentifier: LaidOut],
        bytes: inout Int
    ) -> ByteBuffer? {
        let key = ObjectIdentifier(prepared.cacheKey)
        if let whole = kept[key] { return whole.bytes }
        let body = withBody ? prepared.body.readableBytes : 0
        let size = prepared.head.readableBytes + endOfHead.readableBytes + body
        guard bytes + size <= Self.byteLimit else { return nil }
        var laidOut = ByteBuffer()
        laidOut.reserveCapacity(size)
        laidOut.writeImmutableBuffer(prepared.head)
        laidOut.writeImmutableBuffer(endOfHead)
        if withBody { laidOut.writeImmutableBuffer(prepared.body) }
        kept[key] = LaidOut(cacheKey: prepared.cacheKey, bytes: laidOut)
        bytes += size
        return laidOut
    }

    private func turn() {
        let now = self.secondsNow()
        guard now != self.second else { return }
        self.second = now
        let date = "Date: " + HTTPDate.format(now) + "\r\n"
        self.keepingAlive = ByteBuffer(string: date + "\r\n")
        self.closing = ByteBuffer(string: date + "Connection: close\r\n\r\n")
        self.answers.removeAll(keepingCapacity: true)
        self.heads.removeAll(keepingCapacity: true)
        self.bytes = 0
    }
}

@available(*, unavailable)
extension DatedAnswerCache: Sendable {}
