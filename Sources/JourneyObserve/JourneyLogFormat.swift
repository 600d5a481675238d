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
        JSONText.append(entry.remoteAddress?.ipAddress, to: &line)
        line += ",\"request\":"
        JSONText.append(entry.requestLine, to: &line)
        line += ",\"status\":\(entry.status),\"bytes\":\(entry.bodyBytes),\"referer\":"
        JSONText.append(entry.referer, to: &line)
        line += ",\"user_agent\":"
        JSONText.append(entry.userAgent, to: &line)
        if let requestID = entry.requestID {
            line += ",\"request_id\":"
            JSONText.append(requestID, to: &line)
        }
        if let rule = entry.rule {
            line += ",\"rule\":"
            JSONText.append(rule, to: &line)
        }
        if let handshake = entry.handshake {
            line += ",\"tls\":"
            JSONText.append(handshake.version, to: &line)
            line += ",\"alpn\":"
            JSONText.append(handshake.applicationProtocol, to: &line)
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
}
