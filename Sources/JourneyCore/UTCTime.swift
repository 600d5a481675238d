#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A time in UTC broken into its fields, for the formats logs and listings write (nginx's `$time_local` and
/// `$time_iso8601`, RFC 3339): times are UTC everywhere, so lines sort the same on every host.
package struct UTCTime {
    package let year: Int
    /// 1...12.
    package let month: Int
    package let day: Int
    package let hour: Int
    package let minute: Int
    package let second: Int

    /// The fields of `seconds` since the epoch.
    package init(_ seconds: Int) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        self.year = Int(parts.tm_year) + 1900
        self.month = Int(parts.tm_mon) + 1
        self.day = Int(parts.tm_mday)
        self.hour = Int(parts.tm_hour)
        self.minute = Int(parts.tm_min)
        self.second = Int(parts.tm_sec)
    }

    /// `value` in two digits.
    package static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `2026-12-06T16:13:46+00:00`: ISO 8601 and RFC 3339, as nginx's `$time_iso8601` writes it.
    package var iso8601: String {
        "\(self.year)-\(Self.two(self.month))-\(Self.two(self.day))T"
            + "\(Self.two(self.hour)):\(Self.two(self.minute)):\(Self.two(self.second))+00:00"
    }
}
