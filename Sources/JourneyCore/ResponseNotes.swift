/// What the log phase takes from an answered response besides its status and size: its request id
/// (`X-Request-ID`) and the rule that answered it.
package struct ResponseNotes: Sendable {
    /// The response's `X-Request-ID`.
    package var requestID: String?
    /// The configured rule that gave or shaped the answer.
    package var rule: String?

    package init(requestID: String? = nil, rule: String? = nil) {
        self.requestID = requestID
        self.rule = rule
    }
}
