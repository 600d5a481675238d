import JourneyCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// nginx's `combined` log format: `$remote_addr - - [$time_local] "$request" $status $bytes "$referer" "$ua"`.
public enum CombinedLogFormat {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// One log line, newline included. Times are UTC (`+0000`), so lines sort the same on every host.
    public static func line(for entry: AccessLogEntry) -> String {
        let stamp = Self.localTime(entry.time)
        let address = entry.remoteAddress?.ipAddress ?? "-"
        return "\(address) - - [\(stamp)] \"\(Self.escape(entry.requestLine))\" \(entry.status) \(entry.bodyBytes) "
            + "\"\(Self.escape(entry.referer ?? "-"))\" \"\(Self.escape(entry.userAgent ?? "-"))\"\n"
    }

    /// nginx's `$time_local` for `seconds` since the epoch, in UTC: `06/Dec/2026:16:13:46 +0000`.
    static func localTime(_ seconds: Int) -> String {
        let time = UTCTime(seconds)
        return "\(UTCTime.two(time.day))/\(Self.months[time.month - 1])/\(time.year):"
            + "\(UTCTime.two(time.hour)):\(UTCTime.two(time.minute)):\(UTCTime.two(time.second)) +0000"
    }

    /// Escapes `"`, `\`, control and non-ASCII bytes as nginx does (`\xHH`), so a client cannot forge log lines.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x7f {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "\\x" + String(UnicodeScalar(hex[Int(byte >> 4)])) + String(UnicodeScalar(hex[Int(byte & 15)]))
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }
}
