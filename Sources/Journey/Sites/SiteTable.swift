/// Which site answers a host: exact names first, then the wildcard with the longest domain (nginx's order for
/// `server_name`), then the default.
struct SiteTable<Site: Sendable>: Sendable {
    private var exact: [String: Site] = [:]
    /// Wildcards, longest domain first: `*.api.example.com` before `*.example.com`.
    private var wildcards: [(pattern: HostPattern, site: Site)] = []
    /// The site for a host that no pattern matches; nil answers it with `UnknownHostAnswer`'s status.
    let fallback: Site?

    /// A table of `sites`, each with its patterns; `fallback` for any other host.
    init(_ sites: [(patterns: [HostPattern], site: Site)], fallback: Site?) {
        for (patterns, site) in sites {
            for pattern in patterns {
                switch pattern.kind {
                case .exact:
                    self.exact[pattern.name] = self.exact[pattern.name] ?? site
                case .subdomains:
                    self.wildcards.append((pattern, site))
                case .domainAndSubdomains:
                    self.exact[pattern.name] = self.exact[pattern.name] ?? site
                    self.wildcards.append((pattern, site))
                }
            }
        }
        self.wildcards.sort { $0.pattern.name.utf8.count > $1.pattern.name.utf8.count }
        self.fallback = fallback
    }

    /// The site for `authority` (a Host field's value or `:authority`); the fallback when none names it.
    func site(for authority: Substring?) -> Site? {
        guard let authority else { return self.fallback }
        let host = HostPattern.normalized(authority)
        // Names are lowercased once, and only when they have a capital (a name of up to 15 bytes is a small string).
        let hasCapital = host.utf8.contains { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
        let lowered = hasCapital ? host.lowercased() : String(host)
        if let site = self.exact[lowered] { return site }
        for (pattern, site) in self.wildcards
        where lowered.utf8.count > pattern.name.utf8.count + 1 && lowered.hasSuffix("." + pattern.name) {
            return site
        }
        return self.fallback
    }
}
