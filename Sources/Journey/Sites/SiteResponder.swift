import HTTPTypes
import JourneyCore
import NIOCore

/// Several sites on one listener: each request goes to the site its host names (`SiteTable`), and a host no site
/// names to the default site or to the status `Configuration.unknownHost` says. The fast paths ask it with the
/// host, so a hot file of any site is answered as fast as the one site's.
struct SiteResponder: PreparedResponder {
    /// One site as the table holds it: what answers, and the same cast once for the fast paths.
    struct Entry: Sendable {
        let responder: any Responder
        let prepared: (any PreparedResponder)?
        /// The site's place in `Configuration.sites`.
        let index: Int

        init(_ responder: any Responder, index: Int) {
            self.responder = responder
            self.prepared = responder as? any PreparedResponder
            self.index = index
        }
    }

    let table: SiteTable<Entry>
    /// The answer for a host no site names, when there is no default site to give it.
    let unknownHostStatus: HTTPResponse.Status
    /// The one site every host reaches (one site, and it is the default): no host needs to be read.
    private let only: Entry?

    /// Sites by the hosts they name; `only` when every host reaches that one site.
    init(table: SiteTable<Entry>, unknownHostStatus: HTTPResponse.Status, only: Entry? = nil) {
        self.table = table
        self.unknownHostStatus = unknownHostStatus
        self.only = only
    }

    private func entry(for request: Request) -> Entry? {
        self.only ?? self.table.site(for: request.head.authority?[...])
    }

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        guard let entry = self.entry(for: request) else {
            return context.eventLoop.makeFailedFuture(HTTPError(self.unknownHostStatus))
        }
        return entry.responder.respond(to: request, context: context)
    }

    func refusal(of request: Request) -> HTTPError? {
        guard let entry = self.entry(for: request) else { return HTTPError(self.unknownHostStatus) }
        return entry.responder.refusal(of: request)
    }

    func bodyPolicy(for request: Request) -> RequestBodyPolicy {
        self.entry(for: request)?.responder.bodyPolicy(for: request) ?? .collected()
    }

    var answersByHost: Bool { self.only == nil }

    /// The place in `Configuration.sites` of the site `host` reaches; nil when none does (a 421 or 404).
    func siteIndex(for host: Substring?) -> Int? {
        (self.only ?? self.table.site(for: host))?.index
    }

    /// Without a host only the one site every host reaches can answer; otherwise the full path decides.
    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        self.only?.prepared?.preparedResponse(toGET: path, sendsAcceptEncoding: sendsAcceptEncoding)
    }

    func preparedResponse(toGET path: Substring, host: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        self.table.site(for: host)?.prepared?.preparedResponse(toGET: path, sendsAcceptEncoding: sendsAcceptEncoding)
    }
}
