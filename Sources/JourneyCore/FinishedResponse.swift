import HTTPTypes

/// A handler's response with the fields and body every HTTP version's Write stage owes the client: the rules live
/// here once, for HTTP/1.1, HTTP/2 and the fast paths' prepared answers alike (`PreparedResponse` is finished by
/// them ahead of time, all but its `Date`).
///
/// What stays with each version is only its framing: HTTP/1.1 decides keep-alive and writes `Connection`, HTTP/2
/// drops the connection-specific fields (RFC 9113 §8.2.2).
package struct FinishedResponse {
    /// The status and fields, with `Date`, `Server`, `Content-Length` (and `Server-Timing` when asked) added.
    package var head: HTTPResponse
    /// What goes on the wire after the head: nothing for a bodiless status or a HEAD request.
    package var body: ResponseBody
    /// What the log phase notes of it: its request id and the rule that answered it.
    package var notes: ResponseNotes

    /// Finishes `response` to a request with `method`. `date` is this second's `Date` (nil for a head laid out ahead
    /// of time, whose `Date` is added as it is sent); `serverTiming`, the request's stage durations when the
    /// connection sends them.
    package init(
        _ response: consuming Response,
        answering method: HTTPRequest.Method,
        date: String?,
        serverTiming: String? = nil
    ) {
        // One look at the fields for all it needs: each look-up by name is a walk of them, and a value read by name
        // is joined into a new string.
        var hasDate = false
        var hasServer = false
        var hasContentLength = false
        var requestID: String?
        for field in response.head.headerFields {
            switch field.name {
            case .date: hasDate = true
            case .server: hasServer = true
            case .contentLength: hasContentLength = true
            case .requestID where requestID == nil: requestID = field.value
            default: break
            }
        }
        // Changed in place: a response handed over with `consume` has its fields copied at most once, by the first
        // field added. What is known to be missing is appended, without another walk.
        if let date, !hasDate { response.head.headerFields.append(HTTPField(name: .date, value: date)) }
        if !hasServer { response.head.headerFields.append(HTTPField(name: .server, value: Self.serverName)) }
        if let serverTiming, !serverTiming.isEmpty {
            var timing = serverTiming
            if let rule = response.rule {
                var escaped = ""
                for character in rule {
                    if character == "\"" || character == "\\" { escaped.append("\\") }
                    escaped.append(character)
                }
                timing += ", rule;desc=\"\(escaped)\""
            }
            response.head.headerFields[Self.serverTimingName] = timing
        }
        let status = response.head.status.code
        // RFC 9110 §6.4.1: 1xx, 204 and 304 never carry content; HEAD carries the length of what GET would send
        // (RFC 9110 §9.3.2).
        if (100..<200).contains(status) || status == 204 || status == 304 {
            if hasContentLength { response.head.headerFields[.contentLength] = nil }
            response.body = .empty
        } else {
            if case .stream = response.body {
                // Its length is known only at its end: chunked over HTTP/1.1, framed over HTTP/2.
            } else if !hasContentLength {
                response.head.headerFields.append(HTTPField(name: .contentLength, value: String(response.body.count)))
            }
            if method == .head { response.body = .empty }
        }
        self.notes = ResponseNotes(requestID: requestID, rule: response.rule)
        self.head = response.head
        self.body = response.body
    }

    /// The status code, as the journey and the access log count it.
    package var status: Int { self.head.status.code }

    /// The `Server` field's value on every response the server finishes.
    package static let serverName = "journey"
    private static let serverTimingName = HTTPField.Name("Server-Timing")!
}
