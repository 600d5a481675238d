import Foundation
import Journey
import JourneyTesting
import Testing

@Suite(.timeLimit(.minutes(2)))
struct RequestDecodingTests {
    struct NewTodo: Decodable {
        var title: String
        var done: Bool?
    }

    struct Todo: ResponseEncodable {
        var title: String
        var done: Bool
    }

    static func makeRouter() -> Router {
        var router = Router()
        router.post("/todos") { request, _ in
            let new = try await request.decode(as: NewTodo.self)
            return try Response.json(Todo(title: new.title, done: new.done ?? false), status: .created)
        }
        router.get("/search") { request, _ in
            let query = request.queryParameters
            let tags = query.all("tag").joined(separator: "+")
            let limit = try query.get("limit", as: Int.self) ?? 10
            return "\(query["q"] ?? "-") \(tags) \(limit)"
        }
        router.post("/form") { request, _ in
            let form = try await request.formParameters()
            return "\(form["name"] ?? "-") \(try form.require("age", as: Int.self))"
        }
        router.post("/profile") { request, _ in
            let profile = try await request.decode(as: Profile.self)
            return "\(profile.name) \(profile.age) \(profile.avatar.count)"
        }
        router.post("/parts") { request, _ in
            try await request.multipartParts().map { "\($0.name ?? "-")=\($0.body.readableBytes)" }.joined(
                separator: ","
            )
        }
        router.get("/cookies") { request, _ in
            var response = Response.text(request.cookies["session"] ?? "-")
            response.setCookie(
                Cookie(
                    name: "seen",
                    value: "1",
                    maxAge: 3600,
                    domain: "example.com",
                    secure: true,
                    httpOnly: true,
                    sameSite: .strict,
                    partitioned: true
                )
            )
            return response
        }
        return router
    }

    struct Profile: Decodable {
        var name: String
        var age: Int
        var avatar: Data
    }

    static let multipart: HTTPFields = [.contentType: "multipart/form-data; boundary=\"XyZ\""]
    static let form = [
        "--XyZ", "Content-Disposition: form-data; name=\"name\"", "", "Ada",
        "--XyZ", "Content-Disposition: form-data; name=\"age\"", "", "36",
        "--XyZ", "Content-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"", "Content-Type: image/png", "",
        "\u{89}PNG....", "--XyZ--", "",
    ].joined(separator: "\r\n")

    @Test(arguments: TestingMode.allCases)
    func multipartFormsDecodeThroughMultipartKit(mode: TestingMode) async throws {
        try await Self.makeRouter().test(mode) { client async throws in
            let profile = try await client.execute(
                "/profile",
                method: .post,
                headerFields: Self.multipart,
                body: Self.form
            )
            #expect(profile.text == "Ada 36 9")
            let parts = try await client.execute("/parts", method: .post, headerFields: Self.multipart, body: Self.form)
            #expect(parts.text == "name=3,age=2,avatar=9")
            let missing = try await client.execute(
                "/profile",
                method: .post,
                headerFields: Self.multipart,
                body: "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAda\r\n--XyZ--\r\n"
            )
            #expect(missing.status == .badRequest)
            let broken = try await client.execute("/parts", method: .post, headerFields: Self.multipart, body: "--nope")
            #expect(broken.status == .badRequest)
        }
    }

    static let json: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    @Test(arguments: TestingMode.allCases)
    func jsonIn415And400WithWhatWasWrong(mode: TestingMode) async throws {
        try await Self.makeRouter().test(mode) { client async throws in
            let created = try await client.execute(
                "/todos",
                method: .post,
                headerFields: Self.json,
                body: #"{"title":"a"}"#
            )
            #expect(created.status == .created)
            #expect(created.text == #"{"title":"a","done":false}"# || created.text == #"{"done":false,"title":"a"}"#)
            let text = try await client.execute(
                "/todos",
                method: .post,
                headerFields: [.contentType: "text/plain"],
                body: "a"
            )
            #expect(text.status == .unsupportedMediaType)
            let malformed = try await client.execute("/todos", method: .post, headerFields: Self.json, body: "{")
            #expect(malformed.status == .badRequest)
            #expect(try malformed.decode(as: ProblemDetails.self).detail == "The body is not valid JSON.")
            let missing = try await client.execute("/todos", method: .post, headerFields: Self.json, body: "{}")
            #expect(missing.status == .badRequest)
            #expect(try missing.decode(as: ProblemDetails.self).detail == "title is missing.")
            let wrong = try await client.execute(
                "/todos",
                method: .post,
                headerFields: Self.json,
                body: #"{"title":1}"#
            )
            #expect(try wrong.decode(as: ProblemDetails.self).detail == "title must be a string.")
            let problem = try wrong.decode(as: ProblemDetails.self)
            #expect(problem.type == "about:blank" && problem.title == "Bad Request" && problem.instance == "/todos")
        }
    }

    @Test func queriesFormsAndCookies() async throws {
        try await Self.makeRouter().test(.router) { client async throws in
            #expect(try await client.execute("/search?q=a+b%21&tag=x&tag=y&limit=5").text == "a b! x+y 5")
            #expect(try await client.execute("/search").text == "-  10")
            #expect(try await client.execute("/search?limit=many").status == .badRequest)
            let form = try await client.execute(
                "/form",
                method: .post,
                headerFields: [.contentType: "application/x-www-form-urlencoded"],
                body: "name=Ada+L%C3%B6velace&age=36"
            )
            #expect(form.text == "Ada Lövelace 36")
            let notForm = try await client.execute("/form", method: .post, headerFields: Self.json, body: "{}")
            #expect(notForm.status == .unsupportedMediaType)
            let cookies = try await client.execute("/cookies", headerFields: [.cookie: "a=1; session=\"xyz\"; b=2"])
            #expect(cookies.text == "xyz")
            #expect(
                cookies.headerFields[.setCookie]
                    == "seen=1; Max-Age=3600; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Strict; Partitioned"
            )
        }
    }

    @Test func cookiesThatABrowserCouldNotReadAreNotValid() {
        #expect(Cookie(name: "a", value: "b").isValid)
        #expect(Cookie(name: "a", value: "\"quoted\"").isValid)
        #expect(!Cookie(name: "a b", value: "c").isValid)
        #expect(!Cookie(name: "a", value: "b;c").isValid)
        #expect(!Cookie(name: "", value: "c").isValid)
        #expect(!Cookie(name: "a", value: "b c").isValid)
    }
}
