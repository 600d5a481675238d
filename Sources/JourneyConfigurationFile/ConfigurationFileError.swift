/// Every problem found in a configuration file (and the `JOURNEY_` variables over it), each with the place it was
/// written and its key, so that one `journey validate` run lists all there is to fix.
public struct ConfigurationFileError: Error, CustomStringConvertible {
    /// One problem.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// `FILE:LINE:COLUMN`, the environment variable's name, or the file alone for a default the file left.
        public var place: String
        /// The key's dotted path (`timeouts.headerRead`); empty for the file as a whole.
        public var key: String
        /// What is wrong.
        public var message: String

        /// A problem at `place` with `key`.
        public init(place: String, key: String, message: String) {
            self.place = place
            self.key = key
            self.message = message
        }

        /// `journey.yaml:12:5: timeouts.headerRead: expected a duration such as 30s, 500ms or 2m`.
        public var description: String {
            self.key.isEmpty ? "\(self.place): \(self.message)" : "\(self.place): \(self.key): \(self.message)"
        }
    }

    /// The problems, in the file's order; the tree's own checks after the file's.
    public var problems: [Problem]

    /// The problems `problems`.
    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// One problem a line.
    public var description: String { self.problems.map(\.description).joined(separator: "\n") }
}
