import Foundation
import Journey
import JourneyTestSupport
import Testing

/// The library embedded with routes: what a Swift developer's own server does.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct RouterTests {
    struct Boom: Error {}

    static func makeRouter() -> Router {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello from a route") }
        router.post("/echo") { request, _ in
            Response(
                status: .ok,
                headerFields: [.contentType: "application/octet-stream"],
                body: .bytes(request.body.collected ?? ByteBuffer())
            )
        }
        router.get("/api/**") { request, _ in .text("api \(request.path) \(request.query ?? "")") }
        router.get("/boom") { _, _ in throw Boom() }
        router.get("/teapot") { _, _ in throw HTTPError(.init(code: 418, reasonPhrase: "I'm a teapot")) }
        return router
    }

    @Test(arguments: Transport.allCases) func routesComeBeforeFiles(over transport: Transport) async throws {
        try await TestServer.with(router: Self.makeRouter(), over: transport) { server async throws in
            let hello = try await server.curl([server.url("/hello")])
            #expect(hello.text == "hello from a route")
            let api = try await server.curl([server.url("/api/users/7?full=1")])
            #expect(api.text == "api /api/users/7 full=1")
            // A router without a folder answers what it does not route with a 404, never the embedded demo site.
            let unrouted = try await server.curl([server.url("/")])
            #expect(unrouted.status == 404)
            #expect(unrouted.headers["content-type"] == "application/problem+json")
        }
    }

    @Test(arguments: Transport.allCases) func postBodiesAreCollectedWith100Continue(
        over transport: Transport
    ) async throws {
        try await TestServer.with(router: Self.makeRouter(), over: transport) { server async throws in
            let payload = String(repeating: "x", count: 200_000)
            let directory = try TemporaryDirectory()
            let file = try directory.write(payload, to: "payload")
            // curl sends Expect: 100-continue for bodies over 1 MiB only; ask for it explicitly.
            let echo = try await server.curl([
                "-H", "Expect: 100-continue", "--data-binary", "@" + file, server.url("/echo"),
            ])
            #expect(echo.status == 200)
            #expect(echo.text == payload)
        }
    }

    @Test(arguments: Transport.allCases) func aBodyOverTheLimitIs413(over transport: Transport) async throws {
        var configuration = Configuration()
        configuration.http1.limits.maximumBodySize = 1000
        configuration.http2.limits.maximumBodySize = 1000
        try await TestServer.with(configuration, router: Self.makeRouter(), over: transport) { server async throws in
            let echo = try await server.curl([
                "--data-binary", String(repeating: "x", count: 1001), server.url("/echo"),
            ])
            #expect(echo.status == 413)
            // HTTP/2 has no Transfer-Encoding (RFC 9113 §8.2.2): its bodies are framed already.
            guard transport == .http1 || transport == .https1 else { return }
            let chunked = try await server.curl([
                "-H", "Transfer-Encoding: chunked", "--data-binary", String(repeating: "y", count: 5000),
                server.url("/echo"),
            ])
            #expect(chunked.status == 413)
        }
    }

    @Test(arguments: Transport.allCases) func aKnownPathWithTheWrongMethodIs405WithAllow(
        over transport: Transport
    ) async throws {
        try await TestServer.with(router: Self.makeRouter(), over: transport) { server async throws in
            let response = try await server.curl(["-X", "PUT", server.url("/hello")])
            #expect(response.status == 405)
            #expect(response.headers["allow"] == "GET, HEAD, OPTIONS")
        }
    }

    @Test func handlerErrorsBecomePagesAndTheConnectionSurvives() async throws {
        try await TestServer.with(router: Self.makeRouter()) { server async throws in
            let response = try await RawClient.exchange(
                "GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /teapot HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port
            )
            let statuses = response.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("HTTP/1.1") }
            #expect(statuses == ["HTTP/1.1 500 Internal Server Error", "HTTP/1.1 418 I'm a teapot", "HTTP/1.1 200 OK"])
        }
    }
}

/// The request id reaches the access log and the journey's recent requests, on every transport.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct RequestIDTests {
    @Test(arguments: Transport.allCases) func theRequestIDIsInTheAccessLogAndTheJourney(
        over transport: Transport
    ) async throws {
        let directory = try TemporaryDirectory()
        var configuration = Configuration()
        configuration.observe.accessLogPath = directory.path + "/access.log"
        configuration.observe.accessLogFormat = .journey
        // The dashboard keeps the recent requests.
        configuration.observe.dashboard = .loopbackOnly
        var router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.get("/hello") { _, context in "hello \(context.requestID ?? "-")" }
        let server = try await TestServer.start(configuration, router: router, over: transport)
        let response = try await server.curl(["-H", "X-Request-ID: trace-42", server.url("/hello")])
        #expect(response.text == "hello trace-42")
        #expect(response.headers["x-request-id"] == "trace-42")
        await server.server.collectStatistics()
        let recent = server.server.statistics.snapshot().recent
        #expect(recent.contains { $0.requestID == "trace-42" })
        try await server.server.shutdown()
        let log = try String(contentsOfFile: directory.path + "/access.log", encoding: .utf8)
        #expect(log.contains("\"request_id\":\"trace-42\""), "\(log)")
    }
}
