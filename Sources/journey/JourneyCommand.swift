import ArgumentParser
import Journey
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `journey`: the command-line front of the library.
struct JourneyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey",
        abstract: "A web server that shows every request's journey.",
        discussion: "`journey [DIR] [flags]` is short for `journey serve [DIR] [flags]`.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self
    )
}

/// `journey serve [DIR]`: serve a folder, or the embedded site when no folder is named.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a folder (or, with no folder, the embedded site). `journey` alone means `journey serve`."
    )

    @OptionGroup var options: ServeOptions

    func run() async throws {
        try await serve(self.options)
    }
}

@main
enum Main {
    /// Everything that does not start with a subcommand's name is `serve`'s, so that `journey DIR` and
    /// `journey --help` mean `journey serve DIR` and the help of every serving flag.
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let subcommands = JourneyCommand.configuration.subcommands.map { $0._commandName } + ["help"]
        if !subcommands.contains(arguments.first ?? "") {
            arguments.insert("serve", at: 0)
        }
        await JourneyCommand.main(arguments)
    }
}

/// Runs a server for `options` until SIGINT or SIGTERM, then drains it.
func serve(_ options: ServeOptions) async throws {
    let level = options.logLevel
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    let logger = Logger(label: "journey")
    raiseOpenFileLimit()
    let what = options.directory ?? "the embedded site"
    let host = options.host
    let resp = options.configuration.resp
    let server = Server(configuration: options.configuration, logger: logger) { ports in
        for (index, port) in ports.enumerated() {
            // Written straight to the descriptor: tests and scripts read the chosen port from a pipe,
            // where stdio would hold the line in its buffer. The RESP listener, if any, is the second.
            let line =
                index == 1 && resp != nil
                ? "journey serving RESP on \(resp!.host):\(port) (redis-cli -p \(port))\n"
                : "journey serving \(what) on http://\(host):\(port)/\n"
            _ = line.utf8CString.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
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
}

/// Raises the soft descriptor limit to the hard one, as Go's runtime and nginx's `worker_rlimit_nofile` do:
/// every connection and every cached open file holds a descriptor, and 1024 is soon reached.
func raiseOpenFileLimit() {
    var limit = rlimit()
    #if os(Linux)
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    let resource = RLIMIT_NOFILE
    #endif
    guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(resource, &limit)
}
