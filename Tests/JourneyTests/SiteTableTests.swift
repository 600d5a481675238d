import Testing

@testable import Journey

/// Which site a host reaches: nginx's `server_name` order (exact, then the longest wildcard), then the default.
struct SiteTableTests {
    private static let table = SiteTable(
        [
            (["example.com", "www.example.com"].compactMap(HostPattern.init), "main"),
            (["*.example.com"].compactMap(HostPattern.init), "any under example.com"),
            (["*.api.example.com"].compactMap(HostPattern.init), "any under api"),
            ([".example.org"].compactMap(HostPattern.init), "example.org and under"),
            (["127.0.0.1", "[::1]"].compactMap(HostPattern.init), "by address"),
        ],
        fallback: "default"
    )

    @Test(arguments: [
        ("example.com", "main"), ("EXAMPLE.com:8080", "main"), ("www.example.com.", "main"),
        ("shop.example.com", "any under example.com"), ("a.b.example.com", "any under example.com"),
        ("v1.api.example.com", "any under api"), ("api.example.com", "any under example.com"),
        ("example.org", "example.org and under"), ("x.example.org", "example.org and under"),
        ("127.0.0.1:80", "by address"), ("[::1]:8443", "by address"),
        ("notexample.com", "default"), ("example.com.evil", "default"), ("xexample.org", "default"),
    ])
    func aHostReachesItsSite(host: String, site: String) {
        #expect(Self.table.site(for: host[...]) == site)
    }

    @Test func withoutADefaultAnUnknownHostReachesNoSite() {
        let table = SiteTable([(["a.test"].compactMap(HostPattern.init), 1)], fallback: nil)
        #expect(table.site(for: "a.test") == 1)
        #expect(table.site(for: "b.test") == nil)
        #expect(table.site(for: nil) == nil)
    }

    @Test(arguments: ["", "a..b", "*.", "*", "a b", "exa_mple.com/", "*.*.example.com", "[::1", "[]"])
    func whatIsNotAHostNameIsNoPattern(text: String) {
        #expect(HostPattern(text) == nil)
    }

    @Test func theConfigurationRefusesSitesThatCannotBeToldApart() {
        var configuration = Configuration()
        configuration.sites = [
            .init(hosts: ["a.test"], staticFiles: StaticFileOptions(root: "/srv/a")),
            .init(hosts: ["A.test", "bad host"]),
            .init(hosts: []),
        ]
        configuration.sites[0].isDefault = true
        configuration.sites[1].isDefault = true
        configuration.staticFiles = StaticFileOptions(root: "/srv")
        var problems: [String] = []
        do {
            try configuration.validate()
        } catch {
            problems = error.problems.map(\.description)
        }
        #expect(
            problems == [
                "staticFiles: with sites, each site names its own folder",
                "sites: at most one site is the default",
                "sites[1].hosts: A.test is named by an earlier site",
                "sites[1].hosts: bad host is not a host name, *.domain or .domain",
                "sites[2].hosts: names no host (and is not the default)",
            ]
        )
    }
}
