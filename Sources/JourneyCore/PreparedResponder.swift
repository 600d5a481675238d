/// A responder with answers ready before a request is parsed into a `Request`: the HTTP/1.1 fast path asks it
/// first, with nothing but the path of a plain GET, and takes the full path through the parser only when it
/// has no answer.
public protocol PreparedResponder: Responder {
    /// The response `respond(to:context:)` would give to `GET path` with no field that changes the answer (no
    /// conditional, no range; `Accept-Encoding` only as `sendsAcceptEncoding` says), or nil when only the whole
    /// way can tell. `path` is percent-encoded as it arrived, without the query.
    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse?
}
