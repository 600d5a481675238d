import HTTPTypes
import JourneyCore
import JourneyStaticFiles
import NIOPosix

/// A `SiteRule` made ready to answer: its pattern compiled, its networks read, its fields named, its limiter and
/// password check made. Built once per configuration; `SiteRulesResponder` applies it. A class: the rules are looked
/// through on every request, and a reference is all that is passed around.
final class CompiledRule: Sendable {
    let pattern: PathPattern
    let rule: SiteRule
    let allow: [NetworkRange]
    let deny: [NetworkRange]
    let headers: [(name: HTTPField.Name, value: String?, adds: Bool)]
    let limiter: RateLimiter?
    let passwords: PasswordCheck?
    /// The folder as this rule serves it, when it lists directories otherwise than the site does.
    let files: (any Responder)?

    /// Compiles `rule` for a site serving `folder`; throws what is wrong with it (`Configuration.validate()` has
    /// said so already) or what making its own view of the folder threw.
    init(_ rule: SiteRule, folder: StaticFileOptions?, threadPool: NIOThreadPool) throws {
        self.pattern = try PathPattern(rule.path)
        self.rule = rule
        self.allow = rule.allow.compactMap(NetworkRange.init)
        self.deny = rule.deny.compactMap(NetworkRange.init)
        var headers: [(HTTPField.Name, String?, Bool)] = []
        for name in rule.headers.remove.sorted() {
            if let field = HTTPField.Name(name) { headers.append((field, nil, false)) }
        }
        for (name, value) in rule.headers.set.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers.append((field, value, false)) }
        }
        for (name, value) in rule.headers.add.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers.append((field, value, true)) }
        }
        self.headers = headers
        self.limiter = rule.rateLimit.map(RateLimiter.init)
        self.passwords = rule.basicAuth.map { PasswordCheck(users: $0.users, threadPool: threadPool) }
        if let lists = rule.listsDirectories, var options = folder, options.listsDirectories != lists {
            options.listsDirectories = lists
            self.files = try StaticFileResponder(options: options, threadPool: threadPool)
        } else {
            self.files = nil
        }
    }

    /// The problems of `rule`, for `Configuration.validate()`: each with the rule's key under `field`.
    static func problems(of rule: SiteRule) -> [(key: String, message: String)] {
        var problems: [(String, String)] = []
        do {
            _ = try PathPattern(rule.path)
        } catch {
            problems.append(("path", error.message))
        }
        if let redirect = rule.redirect {
            if ![301, 302, 303, 307, 308].contains(redirect.status) {
                problems.append(("redirect.status", "must be 301, 302, 303, 307 or 308"))
            }
            if redirect.to.isEmpty { problems.append(("redirect.to", "must name where to")) }
        }
        if let rewrite = rule.rewrite, !rewrite.hasPrefix("/"), !rewrite.hasPrefix("$") {
            problems.append(("rewrite", "must be a path starting with / (or $path, $1 …)"))
        }
        for path in rule.tryFiles where !path.hasPrefix("/") && !path.hasPrefix("$") {
            problems.append(("tryFiles", "\(path): must be a path starting with / (or $path …)"))
        }
        for name in Array(rule.headers.add.keys) + Array(rule.headers.set.keys) + rule.headers.remove
        where HTTPField.Name(name) == nil {
            problems.append(("headers", "\(name) is not a field name"))
        }
        for value in Array(rule.headers.add.values) + Array(rule.headers.set.values)
        where !HTTPField.isValidValue(value) {
            problems.append(("headers", "\(value) is not a field value"))
        }
        for network in rule.allow + rule.deny where NetworkRange(network) == nil {
            problems.append(
                (rule.allow.contains(network) ? "allow" : "deny", "\(network) is not an address or network")
            )
        }
        if let auth = rule.basicAuth {
            if auth.users.isEmpty { problems.append(("basicAuth.users", "names no user")) }
            for (user, hash) in auth.users where !hash.hasPrefix("$") || user.contains(":") {
                problems.append(("basicAuth.users", "\(user): expected a crypt(3) hash ($2b$, $y$, $6$ …)"))
            }
            if auth.realm.contains("\"") { problems.append(("basicAuth.realm", "must not contain \"")) }
        }
        if let limit = rule.rateLimit {
            if !(limit.requestsPerSecond > 0 && limit.requestsPerSecond <= 1e6) {
                problems.append(("rateLimit.requestsPerSecond", "must be more than 0 (and at most 1000000)"))
            }
            if limit.burst < 0 { problems.append(("rateLimit.burst", "must not be negative")) }
        }
        if let size = rule.maximumBodySize, size < 0 { problems.append(("maximumBodySize", "must not be negative")) }
        for (status, page) in rule.errorPages {
            if !(400...599).contains(status) { problems.append(("errorPages", "\(status) is not an error status")) }
            if !page.hasPrefix("/") { problems.append(("errorPages", "\(page): must be a path starting with /")) }
        }
        return problems
    }
}
