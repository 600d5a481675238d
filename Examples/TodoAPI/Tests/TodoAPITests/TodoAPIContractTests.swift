import Foundation
import Journey
import JourneyTesting
import Logging
import Testing

@testable import TodoAPI

/// The API's HTTP contract, through a live server (every stage, real sockets) and in-process.
@Suite(.timeLimit(.minutes(2)))
struct TodoAPIContractTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    /// A fresh API over a database and an uploads folder of its own.
    static func withAPI(
        corsOrigin: String? = "https://app.example",
        _ body: (TodoAPI) async throws -> Void
    )
        async throws
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("todo-api-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await TodoStore.open(path: directory + "/todos.sqlite", logger: Logger(label: "test"))
        let uploads = Uploads(directory: directory + "/uploads")
        try await uploads.prepare()
        let api = TodoAPI(store: store, uploads: uploads, corsOrigin: corsOrigin)
        do {
            try await body(api)
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
    }

    @Test(arguments: TestingMode.allCases) func todosAreCreatedReadChangedAndDeleted(
        mode: TestingMode
    ) async throws {
        try await Self.withAPI { api in
            try await api.router().test(mode) { client async throws in
                let created = try await client.execute(
                    "/todos",
                    method: .post,
                    headerFields: Self.json,
                    body: #"{"title":"milk"}"#
                )
                #expect(created.status == .created)
                let todo = try created.decode(as: Todo.self)
                #expect(todo.title == "milk" && !todo.done)
                #expect(created.headerFields[.location] == "/todos/\(todo.id)")
                #expect(created.headerFields[.contentType] == "application/json")
                #expect(created.headerFields[RequestIDMiddleware.fieldName] != nil)

                let read = try await client.execute("/todos/\(todo.id)")
                #expect(try read.decode(as: Todo.self) == todo)
                let patched = try await client.execute(
                    "/todos/\(todo.id)",
                    method: .patch,
                    headerFields: Self.json,
                    body: #"{"done":true}"#
                )
                #expect(patched.status == .ok)
                #expect(try patched.decode(as: Todo.self) == Todo(id: todo.id, title: "milk", done: true))
                _ = try await client.execute(
                    "/todos",
                    method: .post,
                    headerFields: Self.json,
                    body: #"{"title":"eggs"}"#
                )
                #expect(try await client.execute("/todos").decode(as: [Todo].self).map(\.title) == ["milk", "eggs"])
                #expect(try await client.execute("/todos?done=true").decode(as: [Todo].self).map(\.title) == ["milk"])
                #expect(try await client.execute("/todos?done=false").decode(as: [Todo].self).map(\.title) == ["eggs"])
                #expect(try await client.execute("/todos?done=maybe").status == .badRequest)

                #expect(try await client.execute("/todos/\(todo.id)", method: .delete).status == .noContent)
                let gone = try await client.execute("/todos/\(todo.id)")
                #expect(gone.status == .notFound)
                #expect(gone.headerFields[.contentType] == "application/problem+json")
                #expect(gone.headerFields[RequestIDMiddleware.fieldName] != nil)
                #expect(try await client.execute("/todos/\(todo.id)", method: .delete).status == .notFound)
            }
        }
    }

    @Test(arguments: TestingMode.allCases) func badRequestsAreProblems(mode: TestingMode) async throws {
        try await Self.withAPI { api in
            try await api.router().test(mode) { client async throws in
                let malformed = try await client.execute("/todos", method: .post, headerFields: Self.json, body: "{")
                #expect(malformed.status == .badRequest)
                #expect(malformed.headerFields[.contentType] == "application/problem+json")
                let untitled = try await client.execute("/todos", method: .post, headerFields: Self.json, body: "{}")
                #expect(untitled.status == .badRequest)
                #expect(try untitled.decode(as: ProblemDetails.self).detail == "title is missing.")
                let text = try await client.execute(
                    "/todos",
                    method: .post,
                    headerFields: [.contentType: "text/plain"],
                    body: "milk"
                )
                #expect(text.status == .unsupportedMediaType)
                #expect(try await client.execute("/todos/seven").status == .badRequest)
                #expect(try await client.execute("/todos/7").status == .notFound)
                #expect(try await client.execute("/nowhere").status == .notFound)
            }
        }
    }

    @Test func eventsAreStreamedAndMissedOnesReplayed() async throws {
        try await Self.withAPI { api in
            for kind in ["a", "b"] {
                if let todo = try await api.store.create(title: kind, done: false) {
                    api.events.publish("created", todo)
                }
            }
            var events = api.events.subscribe(after: 1).makeAsyncIterator()
            let replayed = await events.next()
            #expect(replayed?.id == 2 && replayed?.kind == "created" && replayed?.todo.title == "b")
            api.events.publish("deleted", Todo(id: 9, title: "z", done: true))
            let live = await events.next()
            #expect(live?.id == 3 && live?.kind == "deleted")
            #expect(
                live?.serverSentEvent.encoded
                    == ByteBuffer(string: "event: deleted\nid: 3\ndata: {\"done\":true,\"id\":9,\"title\":\"z\"}\n\n")
            )
        }
    }

    @Test(arguments: TestingMode.allCases) func uploadsAreStreamedToTheFolderWithinTheirLimit(
        mode: TestingMode
    ) async throws {
        try await Self.withAPI { api in
            try await api.router().test(mode) { client async throws in
                let body = ByteBuffer(repeating: 0x61, count: 3 << 20)
                let saved = try await client.execute("/uploads/notes.txt", method: .put, body: body)
                #expect(saved.status == .created)
                let written = try Data(contentsOf: URL(fileURLWithPath: api.uploads.directory + "/notes.txt"))
                #expect(written.count == 3 << 20)
                #expect(try await client.execute("/uploads/.hidden", method: .put, body: "x").status == .badRequest)
                #expect(try await client.execute("/uploads/a%2Fb", method: .put, body: "x").status == .badRequest)
                // 3 MiB is over the server's 1 MiB everywhere else.
                let elsewhere = try await client.execute("/todos", method: .post, headerFields: Self.json, body: body)
                #expect(elsewhere.status == .contentTooLarge)
            }
        }
    }

    @Test func anUploadOverItsLimitIs413WithARequestID() async throws {
        try await Self.withAPI { api in
            try await api.router().test(.live) { client async throws in
                let body = ByteBuffer(repeating: 0x62, count: TodoAPI.maximumUploadSize + 1)
                let refused = try await client.execute("/uploads/big.bin", method: .put, body: body)
                #expect(refused.status == .contentTooLarge)
                #expect(refused.headerFields[RequestIDMiddleware.fieldName] != nil)
                #expect(!FileManager.default.fileExists(atPath: api.uploads.directory + "/big.bin"))
            }
        }
    }

    @Test(arguments: TestingMode.allCases) func corsLetsTheOriginInAndNoOther(mode: TestingMode) async throws {
        try await Self.withAPI { api in
            try await api.router().test(mode) { client async throws in
                let preflight = try await client.execute(
                    "/todos",
                    method: .options,
                    headerFields: [
                        .origin: "https://app.example", .accessControlRequestMethod: "POST",
                        .accessControlRequestHeaders: "content-type",
                    ]
                )
                #expect(preflight.status == .noContent)
                #expect(preflight.headerFields[.accessControlAllowOrigin] == "https://app.example")
                #expect(preflight.headerFields[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(preflight.headerFields[RequestIDMiddleware.fieldName] != nil)
                let other = try await client.execute(
                    "/todos",
                    method: .options,
                    headerFields: [.origin: "https://other.example", .accessControlRequestMethod: "POST"]
                )
                #expect(other.headerFields[.accessControlAllowOrigin] == nil)
                let list = try await client.execute("/todos", headerFields: [.origin: "https://other.example"])
                #expect(list.status == .ok)
                #expect(list.headerFields[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test(arguments: TestingMode.allCases) func techEmpowersTwoTests(mode: TestingMode) async throws {
        try await Self.withAPI { api in
            try await api.router().test(mode) { client async throws in
                let plaintext = try await client.execute("/plaintext")
                #expect(plaintext.text == "Hello, World!")
                #expect(plaintext.headerFields[.contentType] == "text/plain; charset=utf-8")
                #expect(plaintext.headerFields[.server] != nil && plaintext.headerFields[.date] != nil)
                let json = try await client.execute("/json")
                #expect(json.text == #"{"message":"Hello, World!"}"#)
                #expect(json.headerFields[.contentType] == "application/json")
            }
        }
    }
}
