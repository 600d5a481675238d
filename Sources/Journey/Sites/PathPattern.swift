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
        case regex(UnsafeMutablePointer<regex_t>, groups: Int)
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
            self.kind = .regex(regex, groups: min(Int(regex.pointee.re_nsub), 9))
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
        if case .regex(let regex, _) = self.kind {
            regfree(regex)
            regex.deallocate()
        }
    }

    /// Whether `path` matches, and what it found.
    func match(_ path: Substring) -> Match? {
        switch self.kind {
        case .prefix(let prefix):
            guard path.utf8.starts(with: prefix.utf8) else { return nil }
            return Match(rest: path.dropFirst(prefix.count))
        case .exact(let exact):
            return path.utf8.elementsEqual(exact.utf8) ? Match() : nil
        case .regex(let regex, let groups):
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

    /// Why a pattern does not compile.
    struct PatternError: Error {
        var message: String
    }
}
