/// Routes the router cannot take: a pattern it cannot read, or two routes that answer the same request.
///
/// `Server.start()` throws it, naming every problem, before any listener is bound: a conflict found at start is a
/// conflict nobody meets in production.
public struct InvalidRoutes: Error, Sendable, Hashable, CustomStringConvertible {
    /// Each problem in a sentence that names the routes involved.
    public var problems: [String]

    init(_ problem: String) {
        self.problems = [problem]
    }

    init(problems: [String]) {
        self.problems = problems
    }

    public var description: String {
        "invalid routes: " + self.problems.joined(separator: "; ")
    }
}
