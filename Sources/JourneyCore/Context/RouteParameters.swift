/// The values a route's pattern captured from the request's path: `{name}` segments and the rest of the path a
/// `**` took.
///
/// Values are kept as they arrived and percent-decoded when read, so a request that never asks for them pays
/// nothing; a value that does not convert to the type asked for is the client's mistake, a 400.
public struct RouteParameters: Sendable {
    /// What a `**` captured is found under this name.
    public static let restName = "**"

    private var captured: [(name: String, value: Substring)] = []

    /// Creates an empty set; the router fills it.
    public init() {}

    /// Records `value` (still percent-encoded) under `name`.
    package mutating func capture(_ name: String, _ value: Substring) {
        self.captured.append((name, value))
    }

    /// Drops the captures after the first `count`, when the router backs out of a branch that did not match.
    package mutating func keepFirst(_ count: Int) {
        if self.captured.count > count { self.captured.removeLast(self.captured.count - count) }
    }

    /// How many values were captured.
    public var count: Int { self.captured.count }

    /// The value captured under `name`, percent-decoded; nil when the route has no such parameter or the value is
    /// not valid percent-encoded UTF-8.
    public subscript(name: String) -> String? {
        guard let raw = self.captured.last(where: { $0.name == name })?.value else { return nil }
        return PercentEncoding.decode(raw)
    }

    /// What `**` captured (the rest of the path, without its leading `/`), percent-decoded; nil when the route has
    /// no `**`.
    public var rest: String? { self[Self.restName] }

    /// The value under `name`; a route without it is the server's mistake (500), a missing or undecodable value
    /// the client's (400).
    public func require(_ name: String) throws(HTTPError) -> String {
        guard self.captured.contains(where: { $0.name == name }) else {
            throw HTTPError(.internalServerError, detail: "The route has no parameter named \(name).")
        }
        guard let value = self[name] else {
            throw HTTPError(.badRequest, detail: "The path parameter \(name) is not valid percent-encoded UTF-8.")
        }
        return value
    }

    /// The value under `name` converted to `type` (`Int`, `UUID`, an enum's raw value…); one that does not convert
    /// is a 400 that says which parameter and what was expected.
    public func require<Value: LosslessStringConvertible>(
        _ name: String,
        as type: Value.Type
    ) throws(HTTPError) -> Value {
        let text = try self.require(name)
        guard let value = Value(text) else {
            throw HTTPError(.badRequest, detail: "The path parameter \(name) must be a \(Value.self), not \"\(text)\".")
        }
        return value
    }
}
