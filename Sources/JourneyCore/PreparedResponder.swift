/// A responder with answers ready before a request is parsed into a `Request`: the HTTP/1.1 fast path asks it
/// first, with nothing but the path of a plain GET, and takes the full path through the parser only when it
/// has no answer.
public protocol PreparedResponder: Responder {
    /// The response `respond(to:context:)` would give to `GET path` with no field that changes the answer (no
    /// conditional, no range; `Accept-Encoding` only as `sendsAcceptEncoding` says), or nil when only the whole
    /// way can tell. `path` is percent-encoded as it arrived, without the query.
    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse?

    /// Whether the answer depends on the request's host (several sites on one listener): the fast paths then read
    /// the Host field (`:authority`) and ask `preparedResponse(toGET:host:sendsAcceptEncoding:)`. Read once, when a
    /// connection's pipeline is made.
    var answersByHost: Bool { get }

    /// The answer for `GET path` on `host` (the Host field's value as it arrived, port included), when
    /// `answersByHost`.
    func preparedResponse(toGET path: Substring, host: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse?
}

extension PreparedResponder {
    /// False: answers do not depend on the host, and the fast paths do not read it.
    public var answersByHost: Bool { false }

    /// The answer for `GET path` on `host`; by default the host-less one.
    public func preparedResponse(toGET path: Substring, host: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse?
    {
        self.preparedResponse(toGET: path, sendsAcceptEncoding: sendsAcceptEncoding)
    }
}
