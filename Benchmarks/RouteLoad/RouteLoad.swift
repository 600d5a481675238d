import ArgumentParser
import Journey
import Logging
import ServiceLifecycle
import UnixSignals

/// A routed server for Benchmarks/api.sh: what a route among many and a stack of middleware cost.
///
/// `GET /plaintext` and `GET /users/{id}/posts/{post}` answer "Hello, World!" (`--routes 1`: the second alone);
/// `--routes N` adds routes until there are N (each with two parameters, spread over a first segment of their own, as an API's resources are);
/// `--middleware N` wraps the router in N middleware that only call `next`.
@main
struct RouteLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "journey-route-load")

    @Option var port = 18090
    @Option var routes = 2
    @Option var middleware = 0

    /// Calls `next`, nothing else.
    struct Empty: Middleware {
        func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
            await next(request, context)
        }
    }

    func run() async throws {
        var router = Router()
        for _ in 0..<self.middleware { router.add(middleware: Empty()) }
        // With one route, it is the measured one alone.
        if self.routes > 1 { router.get("/plaintext") { _, _ in "Hello, World!" } }
        router.get("/users/{id}/posts/{post}") { _, context in
            _ = try context.parameters.require("post", as: Int.self)
            return "Hello, World!"
        }
        for index in 0..<max(0, self.routes - 2) {
            router.get("/resource\(index)/{id}/items/{item}") { _, _ in "Hello, World!" }
        }
        var configuration = Configuration()
        configuration.listeners.main = ListenAddress(host: "127.0.0.1", port: self.port)
        configuration.accept.threads = 1
        var logger = Logger(label: "route-load")
        logger.logLevel = .warning
        let server = Server(configuration: configuration, router: router, logger: logger)
        try await ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        ).run()
    }
}
