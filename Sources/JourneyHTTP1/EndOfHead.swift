import JourneyCore
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The end of a prepared response's head: its `Date` line (and `Connection: close` when the connection ends with
/// it) and the blank line, laid out once a second for every connection.
enum EndOfHead {
    private static let cache = NIOLockedValueBox(
        (second: 0, keepingAlive: ByteBuffer(), closing: ByteBuffer())
    )

    /// The bytes for this second.
    static func current(closing: Bool) -> ByteBuffer {
        let second = Int(time(nil))
        return Self.cache.withLockedValue { cached in
            if cached.second != second {
                let date = "Date: " + HTTPDate.format(second) + "\r\n"
                cached = (
                    second, ByteBuffer(string: date + "\r\n"), ByteBuffer(string: date + "Connection: close\r\n\r\n")
                )
            }
            return closing ? cached.closing : cached.keepingAlive
        }
    }
}
