import ArgumentParser
import Journey
import Logging
import ServiceLifecycle
import UnixSignals
import _NIOFileSystem

/// A routed server for Benchmarks/api.sh: what a route among many and a stack of middleware cost.
///
/// `GET /plaintext` and `GET /users/{id}/posts/{post}` answer "Hello, World!" (`--routes 1`: the second alone);
/// `--routes N` adds routes until there are N (each with two parameters, spread over a first segment of their own, as an API's resources are);
/// `--middleware N` wraps the router in N middleware that only call `next`. `PUT /upload` streams its body (up to
/// 4 GiB) to `--upload-file`, for the memory of a large upload (Benchmarks/upload.sh).
@main
struct RouteLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "journey-route-load")

    @Option var port = 18090
    @Option var routes = 2
    @Option var middleware = 0
    @Option var uploadFile = "/tmp/journey-route-load.upload"

    /// Calls `next`, nothing else.
    struct Empty: Middleware {
        func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
            await next(request, context)
        }
    }

    /// Answers from the event loop, without a task: what the routed path costs beside an async handler's task.
    struct Loop: Responder {
        func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
            context.eventLoop.makeSucceededFuture(.text("Hello, World!"))
        }
    }

    func run() async throws {
        var router = Router()
        for _ in 0..<self.middleware { router.add(middleware: Empty()) }
        // With one route, it is the measured one alone.
        if self.routes > 1 {
            router.get("/plaintext") { _, _ in "Hello, World!" }
            router.on(.get, "/loop", responder: Loop())
        }
        router.get("/users/{id}/posts/{post}") { _, context in
            _ = try context.parameters.require("post", as: Int.self)
            return "Hello, World!"
        }
        let uploadFile = self.uploadFile
        router.put("/upload", body: .streamed(upTo: 4 << 30)) { request, _ in
            let written = try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(uploadFile),
                options: .newFile(replaceExisting: true)
            ) { file in
                var writer = file.bufferedWriter()
                var written = 0
                for try await piece in request.body {
                    written += piece.readableBytes
                    try await writer.write(contentsOf: piece)
                }
                try await writer.flush()
                return written
            }
            return "\(written)\n"
        }
        for index in 0..<max(0, self.routes - 2) {
            router.get("/resource\(index)/{id}/items/{item}") { _, _ in "Hello, World!" }
        }
        var configuration = Configuration()
        configuration.listeners.main = ListenAddress(host: "127.0.0.1", port: self.port)
        configuration.accept.threads = 1
        configuration.http2.cleartext = true
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
