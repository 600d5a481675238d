import Journey

/// A todo as the API sends it.
public struct Todo: ResponseEncodable, Decodable, Equatable, Sendable {
    public var id: Int
    public var title: String
    public var done: Bool

    public init(id: Int, title: String, done: Bool) {
        self.id = id
        self.title = title
        self.done = done
    }
}

/// What `POST /todos` takes.
struct NewTodo: Decodable {
    var title: String
    var done: Bool?
}

/// What `PATCH /todos/{id}` takes: any of the fields.
struct TodoChanges: Decodable {
    var title: String?
    var done: Bool?
}
