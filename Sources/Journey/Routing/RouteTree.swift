import HTTPTypes
import JourneyCore

/// The routes compiled into a tree of path segments, built as routes are added and only read while serving.
///
/// Nodes live in one array and point at each other by index, so the tree is a plain value (Sendable, copied on
/// write) and matching a path walks it without allocating: segments are slices of the request's path, literal
/// children are found by hashing the slice. At each segment a literal wins over `{name}`, which wins over `*`, which
/// wins over `**`; a branch that fails further down is left for the next kind, so `/users/me` and `/users/{id}/posts`
/// both match what they should.
struct RouteTree<Value: Sendable>: Sendable {
    struct Entry: Sendable {
        var method: HTTPRequest.Method
        var value: Value
        var pattern: String
    }

    struct Node: Sendable {
        var literals: [Substring: Int] = [:]
        var parameter: (name: String, node: Int, pattern: String)?
        var anySegment: Int?
        var rest: Int?
        var entries: [Entry] = []
    }

    /// What a path and method lead to.
    enum Match {
        /// The route's value, with what its pattern captured.
        case found(Value, RouteParameters)
        /// Routes take the path, with these methods, but not the request's.
        case methodNotAllowed([HTTPRequest.Method])
        /// No route takes the path.
        case notFound
    }

    private(set) var nodes: [Node] = [Node()]

    /// Whether the tree has no routes.
    var isEmpty: Bool { self.nodes.count == 1 && self.nodes[0].entries.isEmpty }

    /// Adds `value` for `method` at `pattern`; throws when a route already answers that method there, or names the
    /// same segment's parameter differently.
    mutating func add(_ method: HTTPRequest.Method, _ pattern: RoutePattern, value: Value) throws(InvalidRoutes) {
        var node = 0
        for segment in pattern.segments {
            switch segment {
            case .literal(let text):
                let key = Substring(PercentEncoding.decode(text[...]) ?? text)
                if let next = self.nodes[node].literals[key] {
                    node = next
                } else {
                    node = self.append(to: node) { $0.literals[key] = $1 }
                }
            case .parameter(let name):
                if let existing = self.nodes[node].parameter {
                    guard existing.name == name else {
                        throw InvalidRoutes(
                            "\(existing.pattern) and \(pattern) name the same segment differently"
                                + " ({\(existing.name)} and {\(name)}): use one name"
                        )
                    }
                    node = existing.node
                } else {
                    node = self.append(to: node) { $0.parameter = (name, $1, pattern.description) }
                }
            case .anySegment:
                node = self.nodes[node].anySegment ?? self.append(to: node) { $0.anySegment = $1 }
            case .rest:
                node = self.nodes[node].rest ?? self.append(to: node) { $0.rest = $1 }
            }
        }
        if let existing = self.nodes[node].entries.first(where: { $0.method == method }) {
            throw InvalidRoutes(
                "\(method) \(existing.pattern) and \(method) \(pattern) answer the same requests"
            )
        }
        self.nodes[node].entries.append(Entry(method: method, value: value, pattern: pattern.description))
    }

    private mutating func append(to parent: Int, link: (inout Node, Int) -> Void) -> Int {
        self.nodes.append(Node())
        let index = self.nodes.count - 1
        link(&self.nodes[parent], index)
        return index
    }

    /// The route for `method` at `path` (percent-encoded, without the query). HEAD finds GET's route when it has
    /// none of its own.
    func match(_ method: HTTPRequest.Method, path: Substring) -> Match {
        var parameters = RouteParameters()
        var firstNodeWithRoutes: Int?
        let utf8 = path.utf8
        if let node = self.find(method, in: path, from: utf8.startIndex, node: 0, &parameters, &firstNodeWithRoutes) {
            let entries = self.nodes[node].entries
            let headAsGET = method == .head ? entries.first { $0.method == .get } : nil
            if let entry = entries.first(where: { $0.method == method }) ?? headAsGET {
                return .found(entry.value, parameters)
            }
        }
        guard let node = firstNodeWithRoutes else { return .notFound }
        return .methodNotAllowed(self.nodes[node].entries.map(\.method))
    }

    /// The node that takes `method` for the segments of `path` from `start`, trying literal, parameter, `*` and
    /// `**` in turn; `firstNodeWithRoutes` keeps the first node that takes the path for any method, for 405.
    private func find(
        _ method: HTTPRequest.Method,
        in path: Substring,
        from start: Substring.Index,
        node: Int,
        _ parameters: inout RouteParameters,
        _ firstNodeWithRoutes: inout Int?
    ) -> Int? {
        let utf8 = path.utf8
        var segmentStart = start
        while segmentStart < utf8.endIndex, utf8[segmentStart] == UInt8(ascii: "/") {
            segmentStart = utf8.index(after: segmentStart)
        }
        // Read in place: a copy of the node would retain each of its collections.
        guard segmentStart < utf8.endIndex else {
            guard !self.nodes[node].entries.isEmpty else {
                // `/files/**` takes `/files` too, with an empty rest.
                if let rest = self.nodes[node].rest {
                    return self.accept(rest, method, &parameters, "", &firstNodeWithRoutes)
                }
                return nil
            }
            if firstNodeWithRoutes == nil { firstNodeWithRoutes = node }
            return self.takes(node, method) ? node : nil
        }
        let segmentEnd = utf8[segmentStart...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
        let segment = path[segmentStart..<segmentEnd]
        let captured = parameters.count
        if !self.nodes[node].literals.isEmpty {
            let key =
                segment.utf8.contains(UInt8(ascii: "%")) ? PercentEncoding.decode(segment).map { $0[...] } : segment
            if let key, let next = self.nodes[node].literals[key],
                let found = self.find(method, in: path, from: segmentEnd, node: next, &parameters, &firstNodeWithRoutes)
            {
                return found
            }
        }
        if let parameter = self.nodes[node].parameter {
            parameters.capture(parameter.name, segment)
            if let found = self.find(
                method,
                in: path,
                from: segmentEnd,
                node: parameter.node,
                &parameters,
                &firstNodeWithRoutes
            ) {
                return found
            }
            parameters.keepFirst(captured)
        }
        if let any = self.nodes[node].anySegment,
            let found = self.find(method, in: path, from: segmentEnd, node: any, &parameters, &firstNodeWithRoutes)
        {
            return found
        }
        if let rest = self.nodes[node].rest {
            return self.accept(rest, method, &parameters, path[segmentStart...], &firstNodeWithRoutes)
        }
        return nil
    }

    private func accept(
        _ node: Int,
        _ method: HTTPRequest.Method,
        _ parameters: inout RouteParameters,
        _ rest: Substring,
        _ firstNodeWithRoutes: inout Int?
    ) -> Int? {
        if firstNodeWithRoutes == nil { firstNodeWithRoutes = node }
        guard self.takes(node, method) else { return nil }
        parameters.capture(RouteParameters.restName, rest)
        return node
    }

    private func takes(_ node: Int, _ method: HTTPRequest.Method) -> Bool {
        self.nodes[node].entries.contains { $0.method == method || ($0.method == .get && method == .head) }
    }
}
