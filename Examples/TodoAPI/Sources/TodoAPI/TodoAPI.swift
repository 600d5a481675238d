import Journey
import Logging

/// The API's routes and middleware, for `todo-api` and for its tests.
public struct TodoAPI: Sendable {
    /// The largest upload `PUT /uploads/{name}` takes; the rest of the API keeps the server's 1 MiB.
    public static let maximumUploadSize = 64 << 20

    /// Where todos are kept.
    public let store: TodoStore
    /// The changes, for `GET /todos/events`.
    public let events: TodoEvents
    /// Where `PUT /uploads/{name}` writes.
    public let uploads: Uploads
    /// The origin whose pages may call the API from a browser; nil allows none.
    public let corsOrigin: String?

    /// The API over `store`, `events` and `uploads`, letting pages from `corsOrigin` call it.
    public init(store: TodoStore, events: TodoEvents = TodoEvents(), uploads: Uploads, corsOrigin: String?) {
        self.store = store
        self.events = events
        self.uploads = uploads
        self.corsOrigin = corsOrigin
    }

    /// Every route, inside a request id (outermost, so even CORS refusals carry it) and CORS.
    public func router() -> Router {
        var router = Router()
        router.add(middleware: RequestIDMiddleware())
        if let corsOrigin {
            router.add(
                middleware: CORSMiddleware(
                    allowedOrigins: .only([corsOrigin]),
                    allowedHeaders: ["Content-Type", "Last-Event-ID", "X-Request-ID"],
                    exposedHeaders: ["Location", "X-Request-ID"]
                )
            )
        }
        let store = self.store
        let events = self.events
        router.group("/todos") { todos in
            todos.get { request, _ in
                try await store.all(done: request.queryParameters.get("done", as: Bool.self))
            }
            todos.post { request, _ in
                let new = try await request.decode(as: NewTodo.self)
                guard let todo = try await store.create(title: new.title, done: new.done ?? false) else {
                    throw HTTPError(.internalServerError)
                }
                events.publish("created", todo)
                return try Response.json(todo, status: .created, headerFields: [.location: "/todos/\(todo.id)"])
            }
            todos.get("/events") { request, _ in
                let stream = events.subscribe(after: request.lastEventID.flatMap { Int($0) })
                return Response.eventStream { writer in
                    for await event in stream { try await writer.send(event.serverSentEvent) }
                }
            }
            todos.get("/{id}") { _, context in
                let id = try context.parameters.require("id", as: Int.self)
                guard let todo = try await store.todo(id) else { throw Self.noTodo(id) }
                return todo
            }
            todos.patch("/{id}") { request, context in
                let id = try context.parameters.require("id", as: Int.self)
                let changes = try await request.decode(as: TodoChanges.self)
                guard let todo = try await store.update(id, title: changes.title, done: changes.done) else {
                    throw Self.noTodo(id)
                }
                events.publish("updated", todo)
                return todo
            }
            todos.delete("/{id}") { _, context in
                let id = try context.parameters.require("id", as: Int.self)
                guard let todo = try await store.delete(id) else { throw Self.noTodo(id) }
                events.publish("deleted", todo)
                return HTTPResponse.Status.noContent
            }
        }
        let uploads = self.uploads
        router.put("/uploads/{name}", body: .streamed(upTo: Self.maximumUploadSize)) { request, context in
            let name = try context.parameters.require("name")
            let written = try await uploads.save(request.body, as: name)
            return try Response.json(
                UploadReceipt(name: name, bytes: written),
                status: .created,
                headerFields: [.location: "/uploads/\(name)"]
            )
        }
        // TechEmpower's two simplest tests, as they define them.
        router.get("/plaintext") { _, _ in "Hello, World!" }
        router.get("/json") { _, _ in Message(message: "Hello, World!") }
        return router
    }

    static func noTodo(_ id: Int) -> HTTPError {
        HTTPError(.notFound, detail: "There is no todo \(id).")
    }
}

/// `GET /json`'s answer.
struct Message: ResponseEncodable {
    var message: String
}

/// What `PUT /uploads/{name}` answers.
struct UploadReceipt: ResponseEncodable {
    var name: String
    var bytes: Int
}
