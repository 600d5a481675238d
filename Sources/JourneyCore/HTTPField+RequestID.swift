import HTTPTypes

extension HTTPField.Name {
    /// `X-Request-ID`: the id a request carries through proxies, logs and the journey.
    package static let requestID = HTTPField.Name("X-Request-ID")!
}
