/// One site's requests over an interval (or, merged, since the start): what `/metrics` labels with `site` and the
/// dashboard lists by site.
public struct SiteTally: Sendable, Equatable {
    /// Requests whose response was written.
    public var requests: UInt64 = 0
    /// Requests by status class: index 1 is 1xx … index 5 is 5xx (index 0: anything below 100).
    public var statusClasses: [UInt64] = Array(repeating: 0, count: 6)
    /// Response body bytes written.
    public var bodyBytes: UInt64 = 0

    /// Nothing counted yet.
    package init() {}

    /// Counts one answered request.
    package mutating func count(status: Int, bodyBytes: Int) {
        self.requests &+= 1
        self.statusClasses[min(max(status / 100, 0), 5)] &+= 1
        self.bodyBytes &+= UInt64(bodyBytes)
    }

    /// Adds `other`'s counts (the same site's).
    package mutating func merge(_ other: SiteTally) {
        self.requests &+= other.requests
        for index in self.statusClasses.indices { self.statusClasses[index] &+= other.statusClasses[index] }
        self.bodyBytes &+= other.bodyBytes
    }
}

/// How a server's requests are counted by site: the sites' names, and which of them a request's host reaches.
package struct SiteCounting: Sendable {
    /// The names `/metrics` and the dashboard show, one per site, and the last for a host no site took.
    package let names: [String]
    /// The place in `names` of the site a host (Host, `:authority`, or nil) reaches.
    package let site: @Sendable (Substring?) -> Int

    package init(names: [String], site: @escaping @Sendable (Substring?) -> Int) {
        self.names = names
        self.site = site
    }
}
