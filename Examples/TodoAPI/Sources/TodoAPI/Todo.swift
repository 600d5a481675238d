import Journey

/// A todo as the API sends it.
public struct Todo: ResponseEncodable, Decodable, Equatable, Sendable {
    /// Its id, given by the database.
    public var id: Int
    /// What is to be done.
    public var title: String
    /// Whether it is.
    public var done: Bool

    /// A todo as stored.
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
