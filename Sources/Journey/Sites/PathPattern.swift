#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A rule's `path`, compiled: a prefix, an exact path, or a POSIX extended regular expression (libc's `regcomp`,
/// as nginx's PCRE-free builds and Caddy's `path_regexp` use one: compiled once, matched without allocating).
final class PathPattern: @unchecked Sendable {
    // @unchecked: `regex` is compiled once and only read; glibc's regexec is safe to call from several threads.
    private enum Kind {
        case prefix(String)
        case exact(String)
        /// `literal`: what every match starts with (an anchored expression's leading text), checked before the
        /// expression runs, so a path it cannot match costs a prefix comparison, not a `regexec`.
        case regex(UnsafeMutablePointer<regex_t>, groups: Int, literal: String)
    }

    private let kind: Kind

    /// What a match found: the groups of a regular expression (`$1`…), what follows a prefix (`$rest`).
    struct Match {
        var groups: [Substring] = []
        var rest: Substring = ""
    }

    /// Compiles `text`; throws a message for a regular expression that does not compile or a path without `/`.
    init(_ text: String) throws(PatternError) {
        if text.hasPrefix("~") {
            var expression = Substring(text.dropFirst())
            var flags = REG_EXTENDED
            if expression.hasPrefix("*") {
                expression = expression.dropFirst()
                flags |= REG_ICASE
            }
            let source = String(expression.drop { $0 == " " })
            let regex = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
            let status = regcomp(regex, source, flags)
            guard status == 0 else {
                var message = [UInt8](repeating: 0, count: 256)
                let length = message.withUnsafeMutableBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { regerror(status, regex, $0.baseAddress, $0.count) }
                }
                regex.deallocate()
                throw PatternError(
                    message: String(
                        decoding: message.prefix(min(max(0, length - 1), message.count)).prefix { $0 != 0 },
                        as: UTF8.self
                    )
                )
            }
            let literal = flags & REG_ICASE == 0 ? Self.literalPrefix(of: source) : ""
            self.kind = .regex(regex, groups: min(Int(regex.pointee.re_nsub), 9), literal: literal)
        } else if text.hasPrefix("=") {
            let path = String(text.dropFirst().drop { $0 == " " })
            guard path.hasPrefix("/") else { throw PatternError(message: "an exact path starts with /") }
            self.kind = .exact(path)
        } else {
            guard text.hasPrefix("/") else {
                throw PatternError(message: "a prefix starts with /; ~ for a regular expression")
            }
            self.kind = .prefix(text)
        }
    }

    deinit {
        if case .regex(let regex, _, _) = self.kind {
            regfree(regex)
            regex.deallocate()
        }
    }

    /// The pattern's kind and the text a path must start with (a prefix), equal (an exact path), or start with before
    /// the expression runs (a regular expression's literal start), for `RulePaths`.
    var literal: (text: String, kind: RulePaths.Kind) {
        switch self.kind {
        case .prefix(let prefix): (prefix, .prefix)
        case .exact(let exact): (exact, .exact)
        case .regex(_, _, let literal): (literal, .expression)
        }
    }

    /// Whether `path` matches, without gathering what it found: what the fast paths ask of every rule.
    func matches(_ path: Substring) -> Bool {
        switch self.kind {
        case .prefix(let prefix):
            return path.utf8.starts(with: prefix.utf8)
        case .exact(let exact):
            return path.utf8.elementsEqual(exact.utf8)
        case .regex(let regex, _, let literal):
            guard path.utf8.starts(with: literal.utf8) else { return false }
            return String(path).withCString { regexec(regex, $0, 0, nil, 0) == 0 }
        }
    }

    /// Whether `path` matches, and what it found.
    func match(_ path: Substring) -> Match? {
        switch self.kind {
        case .prefix(let prefix):
            guard path.utf8.starts(with: prefix.utf8) else { return nil }
            return Match(rest: Substring(path.utf8.dropFirst(prefix.utf8.count)))
        case .exact(let exact):
            return path.utf8.elementsEqual(exact.utf8) ? Match() : nil
        case .regex(let regex, let groups, let literal):
            guard path.utf8.starts(with: literal.utf8) else { return nil }
            return String(path).withCString { text -> Match? in
                var found = [regmatch_t](repeating: regmatch_t(), count: groups + 1)
                guard regexec(regex, text, found.count, &found, 0) == 0 else { return nil }
                var match = Match()
                let bytes = Array(path.utf8)
                for group in found.dropFirst() {
                    guard group.rm_so >= 0 else {
                        match.groups.append("")
                        continue
                    }
                    let piece = bytes[Int(group.rm_so)..<Int(group.rm_eo)]
                    match.groups.append(Substring(String(decoding: piece, as: UTF8.self)))
                }
                return match
            }
        }
    }

    /// The text every match of the POSIX extended expression `source` starts with: after a leading `^`, the
    /// characters up to the first that means more than itself (a character that a quantifier follows is left out,
    /// as it may be absent). Empty for an unanchored expression.
    static func literalPrefix(of source: String) -> String {
        guard source.hasPrefix("^") else { return "" }
        var literal: [Character] = []
        var rest = source.dropFirst()
        while let character = rest.first, !".[]()*+?{}|\\^$".contains(character) {
            literal.append(character)
            rest = rest.dropFirst()
        }
        if let next = rest.first, "*?{".contains(next), !literal.isEmpty { literal.removeLast() }
        return String(literal)
    }

    /// Why a pattern does not compile.
    struct PatternError: Error {
        var message: String
    }
}
