import JourneyCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An access log line of your own, written as nginx's `log_format` writes one: text with `$variables` put in.
///
/// `$remote_addr`, `$time_local` (`06/Dec/2026:16:13:46 +0000`), `$time_iso8601`, `$msec` (seconds with
/// milliseconds), `$request` (`GET /path HTTP/1.1`), `$status`, `$body_bytes_sent`, `$http_referer`,
/// `$http_user_agent`, `$host`, `$request_id`, `$request_time` (seconds, from the first byte to the last written),
/// `$ssl_protocol`, `$ssl_alpn`, `$rule` (the configured rule that answered); `${name}` when a letter follows. Values a client sends are escaped as nginx escapes
/// them (`\xHH`), so a client cannot forge lines; one that is absent is `-`.
public struct AccessLogTemplate: Sendable, Equatable, CustomStringConvertible {
    private enum Piece: Sendable, Equatable {
        case text(String)
        case variable(Variable)
    }

    private enum Variable: String, Sendable, CaseIterable {
        case remoteAddress = "remote_addr"
        case timeLocal = "time_local"
        case timeISO8601 = "time_iso8601"
        case milliseconds = "msec"
        case request
        case status
        case bodyBytesSent = "body_bytes_sent"
        case referer = "http_referer"
        case userAgent = "http_user_agent"
        case host
        case requestID = "request_id"
        case requestTime = "request_time"
        case tlsProtocol = "ssl_protocol"
        case alpn = "ssl_alpn"
        case rule
    }

    private let pieces: [Piece]
    /// The template as written.
    public let description: String

    /// Reads `text`; throws `UnknownVariable` for a `$name` it does not know.
    public init(_ text: String) throws(UnknownVariable) {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            var name: Substring
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                name = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                rest = rest.dropFirst(name.count)
            }
            guard let variable = Variable(rawValue: String(name)) else { throw UnknownVariable(name: String(name)) }
            if !literal.isEmpty { pieces.append(.text(literal)) }
            literal = ""
            pieces.append(.variable(variable))
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.text(literal)) }
        self.pieces = pieces
        self.description = text
    }

    /// A `$name` the template does not know.
    public struct UnknownVariable: Error, CustomStringConvertible {
        /// The name after `$`.
        public var name: String
        public var description: String {
            "$\(self.name) is not a variable (known: "
                + Variable.allCases.map { "$" + $0.rawValue }.joined(separator: ", ") + ")"
        }
    }

    /// The line for `entry`, newline included.
    public func line(for entry: AccessLogEntry) -> String {
        var line = ""
        for piece in self.pieces {
            switch piece {
            case .text(let text): line += text
            case .variable(let variable): line += Self.value(of: variable, in: entry)
            }
        }
        return line + "\n"
    }

    private static func value(of variable: Variable, in entry: AccessLogEntry) -> String {
        switch variable {
        case .remoteAddress: return entry.remoteAddress?.ipAddress ?? "-"
        case .timeLocal: return CombinedLogFormat.localTime(entry.time)
        case .timeISO8601: return UTCTime(entry.time).iso8601
        case .milliseconds: return "\(entry.time).000"
        case .request: return CombinedLogFormat.escape(entry.requestLine)
        case .status: return "\(entry.status)"
        case .bodyBytesSent: return "\(entry.bodyBytes)"
        case .referer: return entry.referer.map(CombinedLogFormat.escape) ?? "-"
        case .userAgent: return entry.userAgent.map(CombinedLogFormat.escape) ?? "-"
        case .host: return entry.host.map(CombinedLogFormat.escape) ?? "-"
        case .requestID: return entry.requestID.map(CombinedLogFormat.escape) ?? "-"
        case .requestTime:
            guard let nanoseconds = entry.timeline.duration(of: .total) else { return "-" }
            let milliseconds = (nanoseconds + 500_000) / 1_000_000
            let fraction = "\(milliseconds % 1000)"
            return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        case .tlsProtocol: return entry.handshake?.version ?? "-"
        case .alpn: return entry.handshake?.applicationProtocol ?? "-"
        case .rule: return entry.rule.map(CombinedLogFormat.escape) ?? "-"
        }
    }
}
