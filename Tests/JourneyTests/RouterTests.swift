import Foundation
import Journey
import JourneyTesting
import Testing

/// The router through the user's test client: in-process, and the same requests through a live server.
@Suite(.timeLimit(.minutes(2)))
struct RouterTests {
    struct User: ResponseEncodable, Decodable, Equatable {
        var id: Int
        var name: String
    }

    static func makeRouter() -> Router {
        var router = Router()
        router.get("/users/{id}") { _, context in
            User(id: try context.parameters.require("id", as: Int.self), name: "someone")
        }
        router.get("/users/me") { _, _ in "me" }
        router.get("/users/{id}/posts") { _, context in "posts of \(try context.parameters.require("id"))" }
        router.get("/files/**") { _, context in "file \(context.parameters.rest ?? "-")" }
        router.get("/any/*/end") { _, _ in "any" }
        router.delete("/users/{id}") { _, _ in HTTPResponse.Status.noContent }
        router.get("/names/{name}") { _, context in "name \(try context.parameters.require("name"))" }
        return router
    }

    @Test(arguments: TestingMode.allCases)
    func parametersAreTypedAndA400WhenTheyDoNotConvert(mode: TestingMode) async throws {
        try await Self.makeRouter().test(mode) { client async throws in
            let user = try await client.execute("/users/42")
            #expect(user.status == .ok)
            #expect(user.headerFields[.contentType] == "application/json")
            #expect(try user.decode(as: User.self) == User(id: 42, name: "someone"))
            let bad = try await client.execute("/users/forty-two")
            #expect(bad.status == .badRequest)
            #expect(bad.headerFields[.contentType] == "application/problem+json")
            let problem = try bad.decode(as: ProblemDetails.self)
            #expect(problem.status == 400)
            #expect(problem.detail?.contains("id") == true)
            #expect(problem.detail?.contains("forty-two") == true)
        }
    }

    @Test func literalsWinAndBranchesBackOut() async throws {
        try await Self.makeRouter().test(.router) { client async throws in
            #expect(try await client.execute("/users/me").text == "me")
            #expect(try await client.execute("/users/me/posts").text == "posts of me")
            #expect(try await client.execute("/users/7/posts/").text == "posts of 7")
            #expect(try await client.execute("//users//7//posts").text == "posts of 7")
            #expect(try await client.execute("/names/J%C3%BCrgen%20K").text == "name Jürgen K")
            #expect(try await client.execute("/names/bad%zz").status == .badRequest)
        }
    }

    @Test func wildcardsTakeOneSegmentOrTheRest() async throws {
        try await Self.makeRouter().test(.router) { client async throws in
            #expect(try await client.execute("/files/a/b/c.txt").text == "file a/b/c.txt")
            #expect(try await client.execute("/files").text == "file ")
            #expect(try await client.execute("/any/thing/end").text == "any")
            #expect(try await client.execute("/any/thing/else/end").status == .notFound)
        }
    }

    @Test(arguments: TestingMode.allCases)
    func methodsGetHEAD405AndOPTIONS(mode: TestingMode) async throws {
        try await Self.makeRouter().test(mode) { client async throws in
            let head = try await client.execute("/users/me", method: .head)
            #expect(head.status == .ok)
            #expect(head.headerFields[.contentLength] == "2")
            #expect(head.body.readableBytes == 0)
            let put = try await client.execute("/users/7", method: .put)
            #expect(put.status == .methodNotAllowed)
            #expect(put.headerFields[.allow] == "GET, DELETE, HEAD, OPTIONS")
            let options = try await client.execute("/users/7", method: .options)
            #expect(options.status == .noContent)
            #expect(options.headerFields[.allow] == "GET, DELETE, HEAD, OPTIONS")
            #expect(try await client.execute("/users/7", method: .delete).status == .noContent)
        }
    }

    @Test(arguments: TestingMode.allCases)
    func anUnroutedPathIsA404WhenThereIsNoFolder(mode: TestingMode) async throws {
        try await Self.makeRouter().test(mode) { client async throws in
            let missing = try await client.execute("/index.html")
            #expect(missing.status == .notFound)
            #expect(missing.headerFields[.contentType] == "application/problem+json")
            let browser = try await client.execute("/index.html", headerFields: [.accept: "text/html,*/*;q=0.8"])
            #expect(browser.status == .notFound)
            #expect(browser.headerFields[.contentType] == "text/html; charset=utf-8")
            #expect(!browser.text.contains("journey demo"))
        }
    }

    @Test func conflictingRoutesAreAnErrorNamingBoth() throws {
        var router = Router()
        router.get("/a/{x}") { _, _ in "x" }
        router.get("/a/{y}/b") { _, _ in "y" }
        router.post("/c") { _, _ in "1" }
        router.post("/c/") { _, _ in "2" }
        router.get("/d/**/e") { _, _ in "3" }
        router.get("/f/{g}{h}") { _, _ in "4" }
        let error = try #require(throws: InvalidRoutes.self) { try router.validate() }
        #expect(error.problems.count == 4)
        #expect(error.problems[0].contains("/a/{x}") && error.problems[0].contains("/a/{y}/b"))
        #expect(error.problems[1] == "POST /c and POST /c answer the same requests")
        #expect(error.problems[2].contains("/d/**/e"))
        #expect(error.problems[3].contains("/f/{g}{h}"))
    }

    @Test func aWebSocketRouteAndAGETRouteShareAPath() async throws {
        var router = Router()
        router.webSocket("/live") { _, _, _ in }
        router.get("/live") { _, _ in "plain" }
        router.webSocket("/only") { _, _, _ in }
        try router.validate()
        try await router.test(.router) { client async throws in
            #expect(try await client.execute("/live").text == "plain")
            let only = try await client.execute("/only")
            #expect(only.status == .upgradeRequired)
            #expect(only.headerFields[.upgrade] == "websocket")
        }
    }
}

/// What the stages stamped reaches the handler.
@Suite(.timeLimit(.minutes(2)))
struct RequestContextTests {
    @Test(arguments: [TestingMode.live, .liveHTTP2]) func theHandlerSeesTheJourneySoFar(mode: TestingMode) async throws
    {
        var router = Router()
        router.get("/timeline") { _, context in
            "\(context.timeline.headParsed > 0) \(context.remoteAddress?.ipAddress ?? "-")"
        }
        try await router.test(mode) { client async throws in
            #expect(try await client.execute("/timeline").text == "true 127.0.0.1")
        }
    }
}
