import Foundation
import Journey
import JourneyTesting
import Testing

@Suite(.timeLimit(.minutes(2)))
struct MiddlewareTests {
    /// Appends its name to `X-Trail` on the way out, so a test reads the order layers ran in.
    struct Trail: Middleware {
        static let field = HTTPField.Name("X-Trail")!
        var name: String

        func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
            var response = await next(request, context)
            let trail = response.head.headerFields[Self.field].map { $0 + "," } ?? ""
            response.head.headerFields[Self.field] = trail + self.name
            return response
        }
    }

    enum Tenant: RequestContextKey { typealias Value = String }

    /// Sets the tenant from `X-Tenant`, or refuses with 401.
    struct TenantMiddleware: Middleware {
        func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
            guard let tenant = request.head.headerFields[HTTPField.Name("X-Tenant")!] else {
                throw HTTPError(.unauthorized, headerFields: [.wwwAuthenticate: "Tenant"])
            }
            var context = context
            context[Tenant.self] = tenant
            return await next(request, context)
        }
    }

    static func makeRouter() -> Router {
        var router = Router()
        router.add(middleware: Trail(name: "outer"))
        router.add(middleware: Trail(name: "inner"))
        router.get("/open") { _, _ in "open" }
        router.group("/tenant", middleware: [TenantMiddleware(), Trail(name: "group")]) { group in
            group.get("/name", middleware: [Trail(name: "route")]) { _, context in
                "tenant \(try context.require(Tenant.self))"
            }
            group.get("/boom") { _, _ in throw CocoaError(.fileNoSuchFile) }
        }
        router.get("/unset") { _, context in "tenant \(try context.require(Tenant.self))" }
        return router
    }

    @Test(arguments: TestingMode.allCases)
    func layersRunOutsideIn(mode: TestingMode) async throws {
        try await Self.makeRouter().test(mode) { client async throws in
            let named = try await client.execute("/tenant/name", headerFields: [HTTPField.Name("X-Tenant")!: "acme"])
            #expect(named.text == "tenant acme")
            #expect(named.headerFields[Trail.field] == "route,group,inner,outer")
            #expect(try await client.execute("/open").headerFields[Trail.field] == "inner,outer")
            // The router's own middleware wraps what no route takes, too.
            let missing = try await client.execute("/nowhere")
            #expect(missing.status == .notFound)
            #expect(missing.headerFields[Trail.field] == "inner,outer")
        }
    }

    @Test func errorsAreRenderedWhereTheyAreThrownAndPassBackOut() async throws {
        try await Self.makeRouter().test(.router) { client async throws in
            let refused = try await client.execute("/tenant/name")
            #expect(refused.status == .unauthorized)
            #expect(refused.headerFields[.wwwAuthenticate] == "Tenant")
            #expect(refused.headerFields[.contentType] == "application/problem+json")
            #expect(refused.headerFields[Trail.field] == "inner,outer")
            let boom = try await client.execute("/tenant/boom", headerFields: [HTTPField.Name("X-Tenant")!: "acme"])
            #expect(boom.status == .internalServerError)
            #expect(!boom.text.contains("fileNoSuchFile") && !boom.text.contains("4"))
            #expect(boom.headerFields[Trail.field] == "group,inner,outer")
            // A route mounted without the middleware its handler needs is the server's mistake.
            #expect(try await client.execute("/unset").status == .internalServerError)
        }
    }

    @Test(arguments: TestingMode.allCases)
    func requestIDsAreTakenOrMadeAndOnEveryResponse(mode: TestingMode) async throws {
        var router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.get("/id") { _, context in context.requestID ?? "-" }
        router.get("/logged") { _, context in "\(context.logger[metadataKey: "request-id"] ?? "none")" }
        try await router.test(mode) { client async throws in
            let given = try await client.execute("/id", headerFields: [RequestIDMiddleware.fieldName: "abc-123"])
            #expect(given.text == "abc-123")
            let logged = try await client.execute("/logged", headerFields: [RequestIDMiddleware.fieldName: "abc-123"])
            #expect(logged.text == "abc-123", "the handler's logger carries the id")
            #expect(given.headerFields[RequestIDMiddleware.fieldName] == "abc-123")
            let made = try await client.execute("/id")
            let id = try #require(made.headerFields[RequestIDMiddleware.fieldName])
            #expect(made.text == id)
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            #expect(try await client.execute("/id").headerFields[RequestIDMiddleware.fieldName] != id)
            let unusable = try await client.execute("/id", headerFields: [RequestIDMiddleware.fieldName: "a b"])
            #expect(unusable.text != "a b")
            let missing = try await client.execute("/missing")
            #expect(missing.status == .notFound)
            #expect(missing.headerFields[RequestIDMiddleware.fieldName] != nil)
        }
    }

    @Test(arguments: TestingMode.allCases)
    func corsAnswersPreflightsForAllowedOriginsOnly(mode: TestingMode) async throws {
        var router = Router()
        router.add(
            middleware: CORSMiddleware(
                allowedOrigins: .only(["https://app.example"]),
                exposedHeaders: ["X-Request-ID"],
                allowsCredentials: true,
                maxAge: .seconds(60)
            )
        )
        router.patch("/todos/{id}") { _, _ in "patched" }
        try await router.test(mode) { client async throws in
            let preflight = try await client.execute(
                "/todos/1",
                method: .options,
                headerFields: [
                    .origin: "https://app.example", .accessControlRequestMethod: "PATCH",
                    .accessControlRequestHeaders: "content-type",
                ]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headerFields[.accessControlAllowOrigin] == "https://app.example")
            #expect(preflight.headerFields[.accessControlAllowMethods]?.contains("PATCH") == true)
            #expect(preflight.headerFields[.accessControlAllowHeaders] == "content-type")
            #expect(preflight.headerFields[.accessControlAllowCredentials] == "true")
            #expect(preflight.headerFields[.accessControlMaxAge] == "60")
            #expect(preflight.headerFields[.vary] == "Origin")
            let actual = try await client.execute(
                "/todos/1",
                method: .patch,
                headerFields: [.origin: "https://app.example"]
            )
            #expect(actual.text == "patched")
            #expect(actual.headerFields[.accessControlAllowOrigin] == "https://app.example")
            #expect(actual.headerFields[.accessControlExposeHeaders] == "X-Request-ID")
            let other = try await client.execute(
                "/todos/1",
                method: .options,
                headerFields: [.origin: "https://evil.example", .accessControlRequestMethod: "PATCH"]
            )
            #expect(other.headerFields[.accessControlAllowOrigin] == nil)
            let plain = try await client.execute(
                "/todos/1",
                method: .patch,
                headerFields: [.origin: "https://evil.example"]
            )
            #expect(plain.text == "patched")
            #expect(plain.headerFields[.accessControlAllowOrigin] == nil)
        }
    }
}
