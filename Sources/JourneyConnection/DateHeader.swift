import JourneyCore
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Date` field value, formatted once per second rather than once per response (HTTP/1 and HTTP/2 alike).
package enum DateHeader {
    private static let cache = NIOLockedValueBox<(second: Int, value: String)>((0, ""))

    /// The current IMF-fixdate.
    package static var now: String {
        let second = Int(time(nil))
        return Self.cache.withLockedValue { cached in
            if cached.second != second {
                cached = (second, HTTPDate.format(second))
            }
            return cached.value
        }
    }
}
