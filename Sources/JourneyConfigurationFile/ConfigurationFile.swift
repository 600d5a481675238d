import Foundation
import Journey
import JourneyTLS
import Yams

/// A configuration file: YAML whose keys are the `Configuration` tree's own, with `JOURNEY_` environment variables
/// over them (for containers), checked as a whole.
///
/// Reading it finds every problem at once, each with its line: YAML that does not parse, a key the tree does not
/// have (never silently ignored), a value of the wrong kind, a key written twice, and whatever
/// `Configuration.validate()` says of the result. `journey validate` also checks what nginx's `-t` checks on disk.
///
/// ```swift
/// let configuration = try ConfigurationFile.read(path: "journey.yaml")
/// let server = Server(configuration: configuration, router: api)   // the file's sites behind your routes
/// ```
public enum ConfigurationFile {
    /// The prefix of the environment variables that override keys: `JOURNEY_TIMEOUTS_HEADER_READ=30s` sets
    /// `timeouts.headerRead`.
    public static let environmentPrefix = "JOURNEY_"

    /// The configuration the file at `path` describes, defaults filled in, `environment`'s variables applied.
    public static func read(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationFileError) -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationFileError(problems: [.init(place: path, key: "", message: "cannot read: \(error)")])
        }
        return try Self.parse(text, source: path, environment: environment)
    }

    /// The configuration `text` describes; `source` names it in complaints.
    public static func parse(
        _ text: String,
        source: String,
        environment: [String: String] = [:]
    ) throws(ConfigurationFileError) -> Configuration {
        var reading = SettingReading(source: source)
        var configuration = Configuration()
        let settings = ConfigurationSchema.settings
        do {
            if let root = try Yams.compose(yaml: text) {
                reading.apply(root, settings, to: &configuration)
            }
        } catch {
            throw ConfigurationFileError(problems: [Self.problem(of: error, source: source)])
        }
        Self.applyEnvironment(environment, settings: settings, to: &configuration, reading: &reading)
        // A key that did not read kept its default, so the tree's checks speak only of what did.
        do {
            try configuration.validate()
        } catch {
            for problem in error.problems {
                reading.problems.append(
                    .init(
                        place: Self.place(of: problem.field, in: reading),
                        key: problem.field,
                        message: problem.message
                    )
                )
            }
        }
        guard reading.problems.isEmpty else { throw ConfigurationFileError(problems: reading.problems) }
        return configuration
    }

    /// The whole of `configuration` as a file, every key written (`journey config --print`): what it reads back as
    /// is `configuration` itself.
    public static func text(of configuration: Configuration) -> String {
        let node = Setting.render(ConfigurationSchema.settings, of: configuration)
        return (try? Yams.serialize(node: node, indent: 2, width: -1, sortKeys: false)) ?? ""
    }

    /// Every environment variable that sets a key, by key: `timeouts.headerRead` → `JOURNEY_TIMEOUTS_HEADER_READ`.
    public static var environmentVariables: [(key: String, variable: String)] {
        ConfigurationSchema.settings.flatMap { setting in
            setting.values.map { value in
                let path = [setting.name] + value.path
                return (path.joined(separator: "."), Self.variable(for: path))
            }
        }
    }

    /// What `journey validate` checks beyond the file, as nginx's `-t` does: each certificate and key load and
    /// match, each served folder is a folder, each access log's folder exists. Reads the disk: call it before serving.
    public static func checkFiles(
        of configuration: Configuration,
        source: String
    ) -> [ConfigurationFileError.Problem] {
        var problems: [ConfigurationFileError.Problem] = []
        func certificate(_ tls: TLSOptions?, key: String) {
            guard let tls else { return }
            do {
                _ = try ServerIdentity(certificatePath: tls.certificatePath, privateKeyPath: tls.privateKeyPath)
            } catch {
                problems.append(
                    .init(place: source, key: key, message: "the certificate and key do not load: \(error)")
                )
            }
        }
        func isFolder(_ path: String) -> Bool {
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
        }
        func folder(_ root: String?, key: String) {
            guard let root, !isFolder(root) else { return }
            problems.append(.init(place: source, key: key, message: "\(root) is not a folder"))
        }
        func log(_ path: String?, key: String) {
            guard let path, path != "-" else { return }
            let parent = (path as NSString).deletingLastPathComponent
            guard !isFolder(parent.isEmpty ? "." : parent) else { return }
            problems.append(.init(place: source, key: key, message: "the folder \(parent) does not exist"))
        }
        certificate(configuration.tls, key: "tls")
        folder(configuration.staticFiles?.root, key: "staticFiles.root")
        log(configuration.observe.accessLogPath, key: "observe.accessLogPath")
        for (index, site) in configuration.sites.enumerated() {
            certificate(site.tls, key: "sites[\(index)].tls")
            folder(site.staticFiles?.root, key: "sites[\(index)].staticFiles.root")
            log(site.accessLogPath, key: "sites[\(index)].accessLogPath")
        }
        return problems
    }

    private static func applyEnvironment(
        _ environment: [String: String],
        settings: [Setting<Configuration>],
        to configuration: inout Configuration,
        reading: inout SettingReading
    ) {
        for setting in settings {
            for value in setting.values {
                let path = [setting.name] + value.path
                let variable = Self.variable(for: path)
                guard let text = environment[variable] else { continue }
                // The variable's text is read as a YAML scalar, so `true`, `30s`, `null` and `[a, b]` mean what they
                // mean in the file.
                let node = (try? Yams.compose(yaml: text)) ?? nil
                reading.apply(
                    environment: variable,
                    key: path,
                    value: node ?? Node("null"),
                    by: { root, node, reading in value.apply(&root, node, &reading) },
                    to: &configuration
                )
            }
        }
    }

    /// `JOURNEY_` and the path's names in capitals, words split where the name's case changes.
    private static func variable(for path: [String]) -> String {
        let words = path.map { name in
            var word = ""
            for character in name {
                if character.isUppercase, let last = word.last, last.isLowercase { word.append("_") }
                word.append(character)
            }
            return word.uppercased()
        }
        return Self.environmentPrefix + words.joined(separator: "_")
    }

    /// Where the field `field` (or the nearest section above it) was set; the file itself for a default.
    private static func place(of field: String, in reading: SettingReading) -> String {
        var path = field.split(separator: ".")
        while !path.isEmpty {
            if let place = reading.places[path.joined(separator: ".")] { return place }
            path.removeLast()
        }
        return reading.source
    }

    /// A YAML syntax error as a problem at its line.
    private static func problem(of error: any Error, source: String) -> ConfigurationFileError.Problem {
        switch error {
        case YamlError.scanner(_, let problem, let mark, _), YamlError.parser(_, let problem, let mark, _),
            YamlError.composer(_, let problem, let mark, _):
            return .init(place: "\(source):\(mark.line):\(mark.column)", key: "", message: "YAML: \(problem)")
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            let mark = context.mark
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return .init(place: "\(source):\(mark.line):\(mark.column)", key: "", message: "set twice: \(names)")
        default:
            return .init(place: source, key: "", message: "YAML: \(error)")
        }
    }
}
