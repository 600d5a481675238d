import JourneyCore

extension Request {
    /// The query's parameters (`?done=true&tag=a&tag=b`), decoded; empty when the target has no query.
    public var queryParameters: URLEncodedParameters {
        self.query.map(URLEncodedParameters.init) ?? URLEncodedParameters()
    }

    /// The body's fields when it is an HTML form (`application/x-www-form-urlencoded`); a 415 for another body.
    public func formParameters() async throws -> URLEncodedParameters {
        let contentType = self.head.headerFields[.contentType]?.split(separator: ";", maxSplits: 1).first
        guard contentType?.trimmingBlanks.lowercased() == "application/x-www-form-urlencoded" else {
            throw HTTPError(.unsupportedMediaType, detail: "The body must be application/x-www-form-urlencoded.")
        }
        let body = try await self.body.collect(upTo: .max)
        guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
            throw HTTPError(.badRequest, detail: "The form is not UTF-8.")
        }
        return URLEncodedParameters(text[...])
    }

    /// The cookies the client sent (RFC 6265 §5.4, every `Cookie` field); the first of a repeated name wins, as
    /// browsers send the most specific first.
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for field in self.head.headerFields[values: .cookie] {
            for pair in field.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { continue }
                let name = String(parts[0].trimmingBlanks)
                var value = parts[1].trimmingBlanks
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                if !name.isEmpty, cookies[name] == nil { cookies[name] = String(value) }
            }
        }
        return cookies
    }
}
