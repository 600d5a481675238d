import Foundation

/// A value a handler returns to answer with it as JSON (`application/json`, 200).
///
/// ```swift
/// struct Todo: ResponseEncodable, Decodable { var id: Int; var title: String; var done: Bool }
/// router.get("/todos/{id}") { _, context in try await store.todo(context.parameters.require("id", as: Int.self)) }
/// ```
/// For another status or extra fields, return `Response.json(_:status:headerFields:)` instead.
public protocol ResponseEncodable: Encodable, ResponseConvertible {}

extension ResponseEncodable {
    /// The value as a JSON response.
    public func response(to request: Request, context: RequestContext) throws -> Response {
        try Response.json(self)
    }
}

extension Array: ResponseConvertible where Element: ResponseEncodable {}
extension Array: ResponseEncodable where Element: ResponseEncodable {}
extension Dictionary: ResponseConvertible where Key == String, Value: ResponseEncodable {}
extension Dictionary: ResponseEncodable where Key == String, Value: ResponseEncodable {}
