import Foundation
import MultipartKit
import NIOCore
import NIOFoundationCompat

extension Request {
    /// The body decoded as `type`: from JSON, or from an HTML form's `multipart/form-data` (through vapor's
    /// MultipartKit: a field per property, a file field as `Data`, `ByteBuffer` or `MultipartPart`).
    ///
    /// A body that is neither (`application/json`, any `+json` type, `multipart/form-data`) is a 415 that says what is
    /// taken;
    /// one that is not JSON, or not of `type`'s shape, is a 400 that says where it went wrong (`title: expected a
    /// String`), so the client's developer can fix the request without reading the server's code. A streamed body
    /// is collected first, within the route's limit (which the connection keeps).
    public func decode<Value: Decodable>(
        as type: Value.Type,
        decoder: JSONDecoder = Request.jsonDecoder
    ) async throws -> Value {
        if let boundary = self.multipartBoundary {
            let body = try await self.body.collect(upTo: .max)
            do {
                return try FormDataDecoder().decode(type, from: body, boundary: boundary)
            } catch let error as DecodingError {
                throw HTTPError(.badRequest, detail: Self.explain(error))
            } catch {
                throw HTTPError(.badRequest, detail: "The body is not a valid multipart/form-data body.")
            }
        }
        guard self.hasJSONBody else {
            throw HTTPError(
                .unsupportedMediaType,
                detail: "The body must be application/json or multipart/form-data."
            )
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

    /// The parts of a `multipart/form-data` body (RFC 7578), parsed by MultipartKit, in the order they came; 415 for
    /// another body, 400 for a malformed one.
    public func multipartParts() async throws -> [MultipartPart] {
        guard let boundary = self.multipartBoundary else {
            throw HTTPError(.unsupportedMediaType, detail: "The body must be multipart/form-data.")
        }
        let body = try await self.body.collect(upTo: .max)
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var partBody = ByteBuffer()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers.add(name: name, value: value) }
        parser.onBody = { piece in partBody.writeBuffer(&piece) }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: partBody))
            headers = HTTPHeaders()
            partBody = ByteBuffer()
        }
        // The parser waits for more of a body cut short: without its close delimiter (RFC 2046 §5.1.1) it is not whole.
        let closed = body.readableBytesView.firstRange(of: Array("--\(boundary)--".utf8)) != nil
        do {
            try parser.execute(body)
        } catch {
            throw HTTPError(.badRequest, detail: "The body is not a valid multipart/form-data body.")
        }
        guard closed else {
            throw HTTPError(.badRequest, detail: "The multipart/form-data body ends before its last boundary.")
        }
        return parts
    }

    /// The boundary of a `multipart/form-data` body, from its `Content-Type`; nil for another body.
    var multipartBoundary: String? {
        guard let contentType = self.head.headerFields[.contentType] else { return nil }
        let parameters = contentType.split(separator: ";")
        guard parameters.first?.trimmingBlanks.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parameters.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingBlanks.lowercased() == "boundary" else { continue }
            var boundary = pair[1].trimmingBlanks
            if boundary.count >= 2, boundary.first == "\"", boundary.last == "\"" {
                boundary = boundary.dropFirst().dropLast()
            }
            return boundary.isEmpty ? nil : String(boundary)
        }
        return nil
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
