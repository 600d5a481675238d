import Foundation
import NIOCore
import NIOFoundationCompat

extension Request {
    /// The body decoded from JSON as `type`.
    ///
    /// A body that is not declared JSON (`application/json`, or any `+json` type) is a 415 that says what is taken;
    /// one that is not JSON, or not of `type`'s shape, is a 400 that says where it went wrong (`title: expected a
    /// String`), so the client's developer can fix the request without reading the server's code. A streamed body
    /// is collected first, within the route's limit (which the connection keeps).
    public func decode<Value: Decodable>(
        as type: Value.Type,
        decoder: JSONDecoder = Request.jsonDecoder
    ) async throws -> Value {
        guard self.hasJSONBody else {
            throw HTTPError(.unsupportedMediaType, detail: "The body must be application/json.")
        }
        let body = try await self.body.collect(upTo: .max)
        do {
            return try decoder.decode(type, from: body)
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, detail: Self.explain(error))
        } catch {
            throw HTTPError(.badRequest, detail: "The body is not valid JSON.")
        }
    }

    /// The decoder `decode(as:decoder:)` uses by default: Foundation's defaults.
    public static let jsonDecoder = JSONDecoder()

    /// Whether `Content-Type` says JSON: `application/json` or a `+json` structured suffix (RFC 6839).
    public var hasJSONBody: Bool {
        guard let contentType = self.head.headerFields[.contentType] else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first?.trimmingBlanks.lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// A sentence for the client's developer: where in the body, and what was expected.
    private static func explain(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let path = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "the body" : String(path.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing."
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) must be \(Self.describe(type))."
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(Self.describe(type)), not null."
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "The body is not valid JSON." }
            return "\(path(context.codingPath)) is not valid: \(context.debugDescription)"
        @unknown default:
            return "The body does not have the expected shape."
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}
