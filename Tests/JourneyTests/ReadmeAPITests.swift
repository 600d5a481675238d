import Journey
import JourneyTesting
import Testing

/// README's "Build a JSON API" in one screen, as written there (less the ServiceGroup): it compiles and it answers.
@Suite(.timeLimit(.minutes(2)))
struct ReadmeAPITests {
    struct Todo: ResponseEncodable, Decodable {
        var id: Int
        var title: String
        var done = false
    }
    struct NewTodo: Decodable { var title: String }
    actor Todos {
        var all: [Int: Todo] = [:]
        func add(_ title: String) -> Todo {
            let todo = Todo(id: all.count + 1, title: title)
            all[todo.id] = todo
            return todo
        }
    }

    static func makeRouter(_ todos: Todos) -> Router {
        var router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: CORSMiddleware(allowedOrigins: .only(["https://app.example"])))
        router.group("/todos") { group in
            group.get { _, _ in await Array(todos.all.values) }
            group.post { request, _ in
                let todo = await todos.add(try await request.decode(as: NewTodo.self).title)
                return try Response.json(todo, status: .created, headerFields: [.location: "/todos/\(todo.id)"])
            }
            group.get("{id}") { _, context in
                let id = try context.parameters.require("id", as: Int.self)
                guard let todo = await todos.all[id] else { throw HTTPError(.notFound, detail: "No todo \(id).") }
                return todo
            }
        }
        router.put("/uploads/{name}", body: .streamed(upTo: 64 << 20)) { request, context in
            var bytes = 0
            for try await piece in request.body { bytes += piece.readableBytes }
            return "\(bytes) bytes\n"
        }
        router.get("/ticks") { _, _ in
            Response.eventStream { events in
                for tick in 1...3 { try await events.send(ServerSentEvent(id: "\(tick)", data: "tick")) }
            }
        }
        return router
    }

    @Test(arguments: TestingMode.allCases) func theReadmeAPIAnswers(mode: TestingMode) async throws {
        try await Self.makeRouter(Todos()).test(mode) { client async throws in
            let created = try await client.execute(
                "/todos",
                method: .post,
                headerFields: [.contentType: "application/json"],
                body: #"{"title":"milk"}"#
            )
            #expect(created.status == .created)
            #expect(created.headerFields[.location] == "/todos/1")
            #expect(try await client.execute("/todos").decode(as: [Todo].self).map(\.title) == ["milk"])
            #expect(try await client.execute("/todos/1").decode(as: Todo.self).title == "milk")
            #expect(try await client.execute("/todos/abc").status == .badRequest)
            #expect(try await client.execute("/todos/2").status == .notFound)
            #expect(try await client.execute("/uploads/a", method: .put, body: "12345").text == "5 bytes\n")
            #expect(try await client.execute("/ticks").text.hasPrefix("id: 1\ndata: tick\n\n"))
            #expect(try await client.execute("/nowhere").headerFields[.contentType] == "application/problem+json")
        }
    }
}
