/// A route's path as the router reads it: literal segments, `{name}` parameters, a `*` that takes any one segment
/// and a final `**` that takes the rest of the path.
///
/// Empty segments do not count, so `/todos`, `/todos/` and `//todos` are one path, as Hummingbird and Vapor read
/// them. Segments are matched as they arrived (percent-encoded); parameters are decoded when read.
struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case anySegment
        case rest
    }

    let segments: [Segment]
    /// The pattern as it was written, to name it in errors.
    let description: String

    /// Parses `path`; throws when a segment mixes braces with text, a parameter has no name or repeats one, or
    /// `**` is not last.
    init(_ path: String) throws(InvalidRoutes) {
        var segments: [Segment] = []
        var names: Set<String> = []
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for (index, part) in parts.enumerated() {
            let segment: Segment
            if part == "**" {
                guard index == parts.count - 1 else {
                    throw InvalidRoutes("\(path): ** takes the rest of the path, so it must be the last segment")
                }
                segment = .rest
            } else if part == "*" {
                segment = .anySegment
            } else if part.first == "{" {
                guard part.last == "}", part.count > 2 else {
                    throw InvalidRoutes("\(path): a parameter is a whole segment, {name}")
                }
                let name = String(part.dropFirst().dropLast())
                guard !name.contains(where: { "{}/".contains($0) }), names.insert(name).inserted else {
                    throw InvalidRoutes("\(path): the parameter {\(name)} is named twice or badly")
                }
                segment = .parameter(name)
            } else {
                guard !part.contains(where: { $0 == "{" || $0 == "}" }) else {
                    throw InvalidRoutes("\(path): a parameter is a whole segment, {name}")
                }
                segment = .literal(String(part))
            }
            segments.append(segment)
        }
        self.segments = segments
        self.description = "/" + parts.joined(separator: "/")
    }

    /// This pattern with `prefix`'s segments in front (a group's).
    func prefixed(by prefix: RoutePattern) -> RoutePattern {
        RoutePattern(
            segments: prefix.segments + self.segments,
            description: Self.join(prefix.description, self.description)
        )
    }

    private init(segments: [Segment], description: String) {
        self.segments = segments
        self.description = description
    }

    private static func join(_ prefix: String, _ path: String) -> String {
        if prefix == "/" { return path }
        if path == "/" { return prefix }
        return prefix + path
    }
}
