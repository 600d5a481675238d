import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// The todos, in SQLite. Every query runs on NIO's thread pool (sqlite-nio), never on an event loop; each change is
/// one statement, so concurrent requests cannot interleave a read and a write of the same todo.
public struct TodoStore: Sendable {
    private let connection: SQLiteConnection

    /// Opens (or creates, with its schema) the database at `path`.
    public static func open(path: String, logger: Logger) async throws -> TodoStore {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path),
            threadPool: NIOThreadPool.singleton,
            logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        _ = try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS todos (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                title TEXT NOT NULL,
                done INTEGER NOT NULL DEFAULT 0
            )
            """
        )
        return TodoStore(connection: connection)
    }

    /// Every todo, or those `done` says, oldest first.
    public func all(done: Bool? = nil) async throws -> [Todo] {
        let rows: [SQLiteRow]
        if let done {
            rows = try await self.connection.query(
                "SELECT id, title, done FROM todos WHERE done = ? ORDER BY id",
                [.integer(done ? 1 : 0)]
            )
        } else {
            rows = try await self.connection.query("SELECT id, title, done FROM todos ORDER BY id")
        }
        return rows.compactMap(Self.todo)
    }

    /// The todo with `id`, or nil.
    public func todo(_ id: Int) async throws -> Todo? {
        try await self.connection.query("SELECT id, title, done FROM todos WHERE id = ?", [.integer(id)])
            .first.flatMap(Self.todo)
    }

    /// Adds a todo and returns it with its id.
    public func create(title: String, done: Bool) async throws -> Todo? {
        try await self.connection.query(
            "INSERT INTO todos (title, done) VALUES (?, ?) RETURNING id, title, done",
            [.text(title), .integer(done ? 1 : 0)]
        ).first.flatMap(Self.todo)
    }

    /// Changes the fields given; nil when there is no such todo.
    public func update(_ id: Int, title: String?, done: Bool?) async throws -> Todo? {
        try await self.connection.query(
            """
            UPDATE todos SET title = COALESCE(?, title), done = COALESCE(?, done) WHERE id = ?
            RETURNING id, title, done
            """,
            [title.map { .text($0) } ?? .null, done.map { .integer($0 ? 1 : 0) } ?? .null, .integer(id)]
        ).first.flatMap(Self.todo)
    }

    /// Deletes the todo; returns it, or nil when there was none.
    public func delete(_ id: Int) async throws -> Todo? {
        try await self.connection.query(
            "DELETE FROM todos WHERE id = ? RETURNING id, title, done",
            [.integer(id)]
        ).first.flatMap(Self.todo)
    }

    /// Closes the database.
    public func close() async throws {
        try await self.connection.close()
    }

    private static func todo(_ row: SQLiteRow) -> Todo? {
        guard let id = row.column("id")?.integer, let title = row.column("title")?.string,
            let done = row.column("done")?.integer
        else { return nil }
        return Todo(id: id, title: title, done: done != 0)
    }
}
