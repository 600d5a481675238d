import JourneyCore
import NIOCore

/// The `journey` access log format: JSON lines that carry each request's stage timings.
///
/// `{"time":1764194453,"remote":"127.0.0.1","request":"GET / HTTP/1.1","status":200,"bytes":512,
/// "referer":null,"user_agent":"curl/8.0","journey_us":{"total":180,"read":0,"parse":6,…}}` —
/// stages that did not happen (no TLS, a request that never parsed) are left out. A request over TLS also
/// has `"tls":"TLSv1.3","alpn":"h2"` (alpn null when the client offered none) before `journey_us`.
public enum JourneyLogFormat {
    /// One line for `entry`, newline included.
    public static func line(for entry: AccessLogEntry) -> String {
        var line = "{\"time\":\(entry.time),\"remote\":"
        Self.appendString(entry.remoteAddress?.ipAddress, to: &line)
        line += ",\"request\":"
        Self.appendString(entry.requestLine, to: &line)
        line += ",\"status\":\(entry.status),\"bytes\":\(entry.bodyBytes),\"referer\":"
        Self.appendString(entry.referer, to: &line)
        line += ",\"user_agent\":"
        Self.appendString(entry.userAgent, to: &line)
        if let requestID = entry.requestID {
            line += ",\"request_id\":"
            Self.appendString(requestID, to: &line)
        }
        if let rule = entry.rule {
            line += ",\"rule\":"
            Self.appendString(rule, to: &line)
        }
        if let handshake = entry.handshake {
            line += ",\"tls\":"
            Self.appendString(handshake.version, to: &line)
            line += ",\"alpn\":"
            Self.appendString(handshake.applicationProtocol, to: &line)
        }
        line += ",\"journey_us\":{"
        var first = true
        for stage in [Stage.total, .decrypt, .read, .parse, .decode, .process, .write] {
            guard let nanoseconds = entry.timeline.duration(of: stage) else { continue }
            line += first ? "\"" : ",\""
            line += stage.name
            line += "\":\((nanoseconds + 500) / 1000)"
            first = false
        }
        line += "}}\n"
        return line
    }

    /// `text` as a JSON string (RFC 8259 escapes), or `null`. Invalid UTF-8 was already repaired when the
    /// `String` was made, so the output is valid UTF-8.
    static func appendString(_ text: String?, to line: inout String) {
        guard let text else {
            line += "null"
            return
        }
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = Array("0123456789abcdef")
                line += "\\u00" + String(hex[Int(scalar.value >> 4)]) + String(hex[Int(scalar.value & 15)])
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}
