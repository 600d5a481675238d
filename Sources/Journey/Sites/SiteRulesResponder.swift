import HTTPTypes
import JourneyCore
import NIOCore

/// A site's folder behind its rules (`SiteRule`): the first rule whose path matches decides what else happens to a
/// request; a path no rule matches goes straight to the folder, fast path included. Everything runs on the
/// connection's event loop as futures, but the password check, which runs on the thread pool.
struct SiteRulesResponder: PreparedResponder {
    let rules: [CompiledRule]
    let files: any Responder
    private let preparedFiles: (any PreparedResponder)?
    /// The rules' paths for the fast path's question: does any rule want this path?
    private let paths: RulePaths

    init(rules: [CompiledRule], files: any Responder) {
        self.rules = rules
        self.files = files
        self.preparedFiles = files as? any PreparedResponder
        self.paths = RulePaths(rules.map(\.pattern))
    }

    private func matching(_ path: Substring) -> (rule: CompiledRule, match: PathPattern.Match)? {
        for rule in self.rules {
            if let match = rule.pattern.match(path) { return (rule, match) }
        }
        return nil
    }

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        guard let (rule, match) = self.matching(request.path) else {
            return self.files.respond(to: request, context: context)
        }
        let loop = context.eventLoop
        if let preflight = rule.rule.cors?.preflightAnswer(to: request) {
            return self.finish(loop.makeSucceededFuture(preflight), rule, "cors", request)
        }
        let client = context.remoteAddress
        if rule.deny.contains(where: { $0.contains(client) })
            || (!rule.allow.isEmpty && !rule.allow.contains(where: { $0.contains(client) }))
        {
            return self.finish(self.error(.forbidden, request, rule, context), rule, "refused:access", request)
        }
        var wait: TimeAmount?
        if let limiter = rule.limiter {
            switch limiter.admit(client?.ipAddress ?? "local") {
            case .now: break
            case .after(let spacing): wait = spacing
            case .refused(let retryAfter):
                let refused = self.error(
                    .tooManyRequests,
                    request,
                    rule,
                    context,
                    fields: [.retryAfter: "\(retryAfter)"]
                )
                return self.finish(refused, rule, "refused:rate-limit", request)
            }
        }
        let delay = wait
        let authorized =
            rule.passwords?.check(request.head.headerFields[.authorization], on: loop) ?? loop.makeSucceededFuture(true)
        let answer = authorized.flatMap { authorized -> EventLoopFuture<Response> in
            guard authorized else {
                let realm = rule.rule.basicAuth?.realm ?? ""
                let challenge = "Basic realm=\"\(realm)\", charset=\"UTF-8\""
                return self.error(.unauthorized, request, rule, context, fields: [.wwwAuthenticate: challenge]).map {
                    var refused = $0
                    refused.rule = "refused:auth " + rule.rule.path
                    return refused
                }
            }
            guard let delay else { return self.answer(request, rule, match, context) }
            return loop.scheduleTask(in: delay) {}.futureResult.flatMap { self.answer(request, rule, match, context) }
        }
        return self.finish(answer, rule, "matched", request)
    }

    /// What a request the rule lets through is answered with: a redirect, a rewritten path, the first of
    /// `tryFiles`, or the path itself; an error answer replaced by the rule's page for it.
    private func answer(
        _ request: Request,
        _ rule: CompiledRule,
        _ match: PathPattern.Match,
        _ context: RequestContext
    ) -> EventLoopFuture<Response> {
        if let redirect = rule.rule.redirect {
            let target = Self.expand(redirect.to, request: request, match: match)
            let status = HTTPResponse.Status(code: redirect.status)
            var redirected = Response(status: status, headerFields: [.location: target])
            redirected.rule = "redirect " + rule.rule.path
            return context.eventLoop.makeSucceededFuture(redirected)
        }
        let answered: EventLoopFuture<Response>
        let action: String
        if let rewrite = rule.rule.rewrite {
            action = "rewrite"
            answered = self.serve(
                Self.request(request, at: Self.expand(rewrite, request: request, match: match)),
                rule,
                context
            )
        } else if !rule.rule.tryFiles.isEmpty {
            action = "tryFiles"
            let paths = rule.rule.tryFiles.map { Self.expand($0, request: request, match: match) }
            answered = self.firstFound(paths[...], request, rule, context)
        } else {
            action = "matched"
            answered = self.serve(request, rule, context)
        }
        return answered.flatMap { response in self.errorPage(for: response, request, rule, context) }.map {
            var response = $0
            response.rule = response.rule ?? action + " " + rule.rule.path
            return response
        }
    }

    /// The folder's answer to `request`, its refusals (a 404 is an `HTTPError`) made into their pages, so that the
    /// rule can look at the status, put its own page in place and set its fields.
    private func serve(_ request: Request, _ rule: CompiledRule, _ context: RequestContext) -> EventLoopFuture<Response>
    {
        (rule.files ?? self.files).respond(to: request, context: context).flatMapErrorThrowing { error in
            guard let error = error as? HTTPError else { throw error }
            return ErrorPage.response(for: error.status, headerFields: error.headerFields, detail: error.detail)
        }
    }

    /// The answer for the first of `paths` that is found; the last one's whatever it is.
    private func firstFound(
        _ paths: ArraySlice<String>,
        _ request: Request,
        _ rule: CompiledRule,
        _ context: RequestContext
    ) -> EventLoopFuture<Response> {
        let first = self.serve(Self.request(request, at: paths.first!), rule, context)
        guard paths.count > 1 else { return first }
        return first.flatMap { response in
            guard response.head.status == .notFound else { return context.eventLoop.makeSucceededFuture(response) }
            return self.firstFound(paths.dropFirst(), request, rule, context)
        }
    }

    /// The error page `status` has in this rule (or the small built-in one), with `fields`.
    private func error(
        _ status: HTTPResponse.Status,
        _ request: Request,
        _ rule: CompiledRule,
        _ context: RequestContext,
        fields: HTTPFields = [:]
    ) -> EventLoopFuture<Response> {
        self.errorPage(for: ErrorPage.response(for: status, headerFields: fields), request, rule, context)
    }

    /// `response`, or, when it is an error the rule has a page for, that page with the error's status (and the
    /// error's fields: a 401's challenge, a 429's Retry-After).
    private func errorPage(
        for response: Response,
        _ request: Request,
        _ rule: CompiledRule,
        _ context: RequestContext
    ) -> EventLoopFuture<Response> {
        guard let page = rule.rule.errorPages[response.head.status.code] else {
            return context.eventLoop.makeSucceededFuture(response)
        }
        var pageRequest = Self.request(request, at: page)
        pageRequest.head.method = request.head.method == .head ? .head : .get
        pageRequest.head.headerFields = [:]
        return self.serve(pageRequest, rule, context).map { found in
            guard found.head.status == .ok else { return response }
            var answer = found
            answer.head.status = response.head.status
            answer.rule = "errorPage " + rule.rule.path
            for field in response.head.headerFields where [.wwwAuthenticate, .retryAfter, .allow].contains(field.name) {
                answer.head.headerFields.append(field)
            }
            return answer
        }
    }

    /// `answer` with the rule's field changes (and CORS marks), named after what the rule did (`action`, unless it
    /// said).
    private func finish(
        _ answer: EventLoopFuture<Response>,
        _ rule: CompiledRule,
        _ action: String,
        _ request: Request
    ) -> EventLoopFuture<Response> {
        answer.map { response in
            var response = response
            response.rule = response.rule ?? action + " " + rule.rule.path
            if let cors = rule.rule.cors, action != "cors" { response = cors.marked(response, answering: request) }
            for (name, value, adds) in rule.headers {
                if let value {
                    if !adds { response.head.headerFields[values: name] = [] }
                    response.head.headerFields.append(HTTPField(name: name, value: value))
                } else {
                    response.head.headerFields[values: name] = []
                }
            }
            return response
        }
    }

    /// `request` for `path` instead (its query kept unless `path` has one).
    private static func request(_ request: Request, at path: String) -> Request {
        var rewritten = request
        if path.contains("?") {
            rewritten.head.path = path
        } else {
            rewritten.head.path = path + (request.query.map { "?" + $0 } ?? "")
        }
        return rewritten
    }

    /// `template` with `$1`…`$9`, `$path`, `$rest`, `$query` and `$host` put in.
    static func expand(_ template: String, request: Request, match: PathPattern.Match) -> String {
        guard template.contains("$") else { return template }
        var result = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if let digit = rest.first, let number = digit.wholeNumberValue, number >= 1 {
                result += number <= match.groups.count ? match.groups[number - 1] : ""
                rest = rest.dropFirst()
                continue
            }
            let name = rest.prefix { $0.isLetter }
            switch name {
            case "path": result += request.path
            case "rest": result += match.rest
            case "query": result += request.query.map { "?" + $0 } ?? ""
            case "host": result += request.head.authority ?? ""
            default: result += "$" + name
            }
            rest = rest.dropFirst(name.count)
        }
        return result + rest
    }

    func refusal(of request: Request) -> HTTPError? {
        // A rule decides after the body (within its limit); the folder refuses what no rule takes.
        self.matching(request.path) == nil ? self.files.refusal(of: request) : nil
    }

    func bodyPolicy(for request: Request) -> RequestBodyPolicy {
        guard let (rule, _) = self.matching(request.path) else { return self.files.bodyPolicy(for: request) }
        return .collected(upTo: rule.rule.maximumBodySize)
    }

    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        // A path a rule matches is the rule's to answer, always by the full path.
        guard !self.paths.anyMatches(path) else { return nil }
        return self.preparedFiles?.preparedResponse(toGET: path, sendsAcceptEncoding: sendsAcceptEncoding)
    }
}
