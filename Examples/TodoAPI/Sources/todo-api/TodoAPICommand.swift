import ArgumentParser
import Journey
import Logging
import ServiceLifecycle
import TodoAPI
import UnixSignals

/// `todo-api`: the example API, served until SIGTERM or SIGINT.
@main
struct TodoAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "todo-api",
        abstract: "A JSON API of todos on Journey, stored in SQLite."
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "The SQLite database file; created with its schema when missing.")
    var database = "todos.sqlite"

    @Option(name: .customLong("cors-origin"), help: "The origin whose pages may call the API (CORS).")
    var corsOrigin: String?

    @Option(help: "The folder PUT /uploads/{name} writes to.")
    var uploads = "uploads"

    @Option(help: "Event loops (threads) serving connections; one per core when not given.")
    var threads: Int?

    func run() async throws {
        var logger = Logger(label: "todo-api")
        logger.logLevel = .info
        let store = try await TodoStore.open(path: self.database, logger: logger)
        let uploads = Uploads(directory: self.uploads)
        try await uploads.prepare()
        let api = TodoAPI(store: store, uploads: uploads, corsOrigin: self.corsOrigin)
        var configuration = Configuration()
        configuration.listeners.main = ListenAddress(host: self.host, port: self.port)
        if let threads = self.threads { configuration.accept.threads = threads }
        let server = Server(configuration: configuration, router: api.router(), logger: logger) { listening in
            for listener in listening where listener.role == .main {
                print("todo-api listening on \(listener.address.host):\(listener.address.port)")
            }
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        try await store.close()
    }
}
