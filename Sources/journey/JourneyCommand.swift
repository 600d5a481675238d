import ArgumentParser
import Foundation
import Journey
import JourneyConfigurationFile
import Logging
import ServiceLifecycle
import UnixSignals

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
        subcommands: [Serve.self, Run.self, Validate.self, Config.self, Reload.self, Cert.self],
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
        if self.options.devTls { try makeDevelopmentCertificate(for: self.options.host) }
        try await serve(
            self.options.configuration,
            describing: self.options.directory ?? "the embedded site",
            logLevel: self.options.logLevel
        )
    }
}

/// `journey run --config FILE`: serve what a configuration file describes.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve what a configuration file describes (JOURNEY_ variables override its keys)."
    )

    @OptionGroup var file: ConfigurationFileOption

    @Option(help: "Write the process id to this file (for `journey reload --pid-file`).")
    var pidFile: String?

    func run() async throws {
        let configuration = try self.file.read()
        if let pidFile = self.pidFile {
            try "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        }
        defer { if let pidFile = self.pidFile { unlink(pidFile) } }
        try await serve(
            configuration,
            describing: configuration.staticFiles?.root ?? "the embedded site",
            logLevel: configuration.observe.logLevel,
            reloading: self.file.config
        )
    }
}

/// `journey reload --pid-file FILE`: tells a running `journey run` to read its configuration file again (SIGHUP).
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a running `journey run --pid-file FILE` read its configuration file again (sends SIGHUP)."
    )

    @Option(help: "The file `journey run --pid-file` wrote.")
    var pidFile: String

    func run() throws {
        let text = (try? String(contentsOfFile: self.pidFile, encoding: .utf8)) ?? ""
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw ValidationError("\(self.pidFile) holds no process id")
        }
        guard kill(pid, SIGHUP) == 0 else {
            throw ValidationError("cannot signal process \(pid): \(String(cString: strerror(errno)))")
        }
    }
}

/// `journey validate --config FILE`: every problem of a configuration file, with its line, before it is served.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a configuration file: every problem with its line and key; exits non-zero if there is one."
    )

    @OptionGroup var file: ConfigurationFileOption

    func run() throws {
        let configuration = try self.file.read()
        let problems = ConfigurationFile.checkFiles(of: configuration, source: self.file.config)
        guard problems.isEmpty else { throw ConfigurationFileError(problems: problems).exit() }
        print("journey: \(self.file.config) is valid")
    }
}

/// `journey config --print`: the effective configuration, every default filled in, as a file.
struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective configuration (defaults, the file's keys, JOURNEY_ variables) as YAML."
    )

    @Flag(help: "Print the effective configuration.")
    var print = false

    @Option(help: "The configuration file to start from (without one: the defaults and JOURNEY_ variables).")
    var config: String?

    @Flag(help: "List the JOURNEY_ environment variable of every key.")
    var environment = false

    func validate() throws {
        guard self.print || self.environment else {
            throw ValidationError("say what to print: --print or --environment")
        }
    }

    func run() throws {
        if self.environment {
            for (key, variable) in ConfigurationFile.environmentVariables { Swift.print("\(variable)  \(key)") }
        }
        guard self.print else { return }
        let configuration: Configuration
        do {
            if let path = self.config {
                configuration = try ConfigurationFile.read(path: path)
            } else {
                configuration = try ConfigurationFile.parse(
                    "",
                    source: "(defaults)",
                    environment: ProcessInfo.processInfo.environment
                )
            }
        } catch {
            throw error.exit()
        }
        Swift.print(ConfigurationFile.text(of: configuration), terminator: "")
    }
}

/// `--config FILE`, read with the environment's `JOURNEY_` variables over it.
struct ConfigurationFileOption: ParsableArguments {
    @Option(help: "The configuration file (YAML; `journey config --print` writes every key).")
    var config: String

    /// The file's configuration; its problems, one a line, as the command's error.
    func read() throws -> Configuration {
        do {
            return try ConfigurationFile.read(path: self.config)
        } catch {
            throw error.exit()
        }
    }
}

extension ConfigurationFileError {
    /// Writes the problems to standard error, one a line, and gives the exit code that ends the command: a file's
    /// problems are not a usage mistake, so no usage text follows them.
    func exit() -> ExitCode {
        FileHandle.standardError.write(Data((self.description + "\n").utf8))
        return ExitCode(1)
    }
}

/// `journey cert`: a development certificate for HTTPS on this machine, and how to trust it.
struct Cert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a development certificate (signed by a local authority made once) for `serve --dev-tls`."
    )

    @Option(help: "A host name or IP address the certificate is for (repeat for several).")
    var host: [String] = ["localhost"]

    @Option(help: "The folder to write it to.")
    var folder: String = DevelopmentCertificate.defaultFolder

    func run() throws {
        let certificate = try DevelopmentCertificate(folder: self.folder).create(hosts: self.host)
        print(
            """
            journey: a development certificate for \(self.host.joined(separator: ", ")) is in \(certificate.folder)
              certificate: \(certificate.certificatePath)
              key:         \(certificate.privateKeyPath)
              authority:   \(certificate.authorityPath)
            Serve with it: journey serve DIR --dev-tls   (or --tls-cert \(certificate.certificatePath) --tls-key \(certificate.privateKeyPath))

            \(certificate.trustInstructions)
            """
        )
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

/// Makes the development certificate `--dev-tls` serves, unless it exists, for localhost and `host`.
func makeDevelopmentCertificate(for host: String) throws {
    let development = DevelopmentCertificate(folder: DevelopmentCertificate.defaultFolder)
    guard !development.exists else { return }
    try development.create(hosts: ["localhost"] + (["127.0.0.1", "::1", "localhost"].contains(host) ? [] : [host]))
    let text =
        "journey: made a development certificate; trust \(development.authorityPath) (journey cert --help tells how)\n"
    FileHandle.standardError.write(Data(text.utf8))
}

/// Runs a server for `configuration` until SIGINT or SIGTERM, then drains it; `what` names what it serves. SIGHUP
/// reads `configurationFile` again and reloads (without one, it reads the certificate files again).
func serve(
    _ configuration: Configuration,
    describing what: String,
    logLevel level: Logger.Level,
    reloading configurationFile: String? = nil
) async throws {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    let logger = Logger(label: "journey")
    raiseOpenFileLimit()
    let scheme = configuration.tls == nil ? "http" : "https"
    let server = Server(configuration: configuration, logger: logger) { listening in
        for listener in listening {
            let host = listener.address.host
            let address =
                host.hasPrefix("unix:")
                ? host
                : host.contains(":") ? "[\(host)]:\(listener.address.port)" : "\(host):\(listener.address.port)"
            let line: String
            switch listener.role {
            case .main: line = "journey serving \(what) on \(scheme)://\(address)/"
            case .admin: line = "journey admin (metrics, dashboard) on http://\(address)/"
            case .redirect: line = "journey redirecting to https from http://\(address)/"
            case .resp: line = "journey serving RESP on \(address) (redis-cli -p \(listener.address.port))"
            case .custom(let name): line = "journey serving \(name) on \(address)"
            }
            // Written straight to the descriptor: tests and scripts read the chosen port from a pipe, where stdio
            // would hold the line in its buffer.
            let text = line + "\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
        }
    }
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [
                .init(service: server),
                .init(service: HangUpReloader(server: server, configurationFile: configurationFile, logger: logger)),
                .init(service: LogReopener(server: server, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
    try await group.run()
}

/// SIGHUP: with a configuration file, reads it again and reloads (nginx's `-s reload`): a valid file is served to
/// new connections, an invalid one is logged and the running configuration kept. Without one, it reads the TLS
/// certificate again.
struct HangUpReloader: Service {
    let server: Server
    let configurationFile: String?
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            if let configurationFile { await self.reload(configurationFile) } else { await self.reloadCertificates() }
        }
    }

    private func reload(_ path: String) async {
        do {
            let configuration = try ConfigurationFile.read(path: path)
            let waiting = try await self.server.reload(configuration)
            self.logger.notice(
                "SIGHUP: \(path) reloaded",
                metadata: waiting.isEmpty ? [:] : ["waiting for a restart": "\(waiting.joined(separator: ", "))"]
            )
        } catch let error as ConfigurationFileError {
            self.logger.error(
                "SIGHUP: \(path) is not valid; still serving the configuration before it",
                metadata: ["problems": "\(error.problems.map(\.description).joined(separator: "; "))"]
            )
        } catch {
            self.logger.error(
                "SIGHUP: reload failed; still serving the configuration before it",
                metadata: ["error": "\(error)"]
            )
        }
    }

    private func reloadCertificates() async {
        do {
            try await self.server.reloadCertificates()
            self.logger.info("SIGHUP: certificate files read again")
        } catch {
            self.logger.warning("SIGHUP: certificate reload failed", metadata: ["error": "\(error)"])
        }
    }
}

/// SIGUSR1 opens the access logs again by their paths, as it makes nginx: logrotate moves a log away, signals, and
/// the next lines go to a new file (no `copytruncate`, no line lost).
struct LogReopener: Service {
    let server: Server
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sigusr1).cancelOnGracefulShutdown() {
            self.server.reopenLogs()
            self.logger.notice("SIGUSR1: access logs reopened")
        }
    }
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
