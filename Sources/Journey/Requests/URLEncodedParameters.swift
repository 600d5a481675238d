import JourneyCore

/// Name–value pairs in `application/x-www-form-urlencoded` form: a request's query, or a form's body.
///
/// Repeated names keep every value in order (`?tag=a&tag=b`); `+` is a space and escapes are decoded (WHATWG URL
/// §5.1). Typed look-ups answer a client's mistake with a 400 that names the parameter.
public struct URLEncodedParameters: Sendable, Sequence {
    private var pairs: [(name: String, value: String)] = []

    /// Parses `encoded` (without a leading `?`); pairs whose escapes are malformed are dropped.
    public init(_ encoded: Substring) {
        for piece in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count == 2 ? Self.decode(parts[1]) : ""
            if let value { self.pairs.append((name, value)) }
        }
    }

    /// No parameters.
    public init() {}

    /// The first value of `name`, or nil when it is absent.
    public subscript(name: String) -> String? {
        self.pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in the order they came.
    public func all(_ name: String) -> [String] {
        self.pairs.filter { $0.name == name }.map(\.value)
    }

    /// The first value of `name` as `type`; nil when absent, a 400 when present and not convertible.
    public func get<Value: LosslessStringConvertible>(_ name: String, as type: Value.Type) throws(HTTPError) -> Value? {
        guard let text = self[name] else { return nil }
        guard let value = Value(text) else {
            throw HTTPError(.badRequest, detail: "The parameter \(name) must be a \(Value.self), not \"\(text)\".")
        }
        return value
    }

    /// The first value of `name` as `type`; a 400 when absent or not convertible.
    public func require<Value: LosslessStringConvertible>(
        _ name: String,
        as type: Value.Type
    ) throws(HTTPError) -> Value {
        guard let value = try self.get(name, as: type) else {
            throw HTTPError(.badRequest, detail: "The parameter \(name) is missing.")
        }
        return value
    }

    /// Every value of `name` as `type`; a 400 when any does not convert.
    public func all<Value: LosslessStringConvertible>(_ name: String, as type: Value.Type) throws(HTTPError) -> [Value]
    {
        var values: [Value] = []
        for text in self.all(name) {
            guard let value = Value(text) else {
                throw HTTPError(.badRequest, detail: "The parameter \(name) must be a \(Value.self), not \"\(text)\".")
            }
            values.append(value)
        }
        return values
    }

    /// Every pair, in the order they came.
    public func makeIterator() -> some IteratorProtocol<(name: String, value: String)> {
        self.pairs.makeIterator()
    }

    private static func decode(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "+")) else { return PercentEncoding.decode(text) }
        return PercentEncoding.decode(Substring(text.replacing("+", with: " ")))
    }
}
