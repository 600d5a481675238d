import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Process stage of RESP: the commands Journey answers, each with Redis's arity and Redis's replies,
/// errors worded as Redis words them.
enum RESPCommandTable {
    /// A command: its arity (negative: at least that many words, name included) and what it does.
    struct Entry: Sendable {
        let arity: Int
        let flags: [String]
        /// Where the keys are among the arguments (first, last, step), as `COMMAND INFO` tells clients.
        let keys: (first: Int, last: Int, step: Int)
        let run: @Sendable (RESPCommand, inout RESPSession) -> RESPReply
    }

    static let entries: [String: Entry] = [
        "ping": Entry(arity: -1, flags: ["fast"], keys: (0, 0, 0), run: ping),
        "echo": Entry(arity: 2, flags: ["fast"], keys: (0, 0, 0)) { command, _ in .bulk(command.arguments[1]) },
        "get": Entry(arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1), run: { get($0, $1.keyspace) }),
        "set": Entry(arity: -3, flags: ["write", "denyoom"], keys: (1, 1, 1), run: { set($0, $1.keyspace) }),
        "del": Entry(arity: -2, flags: ["write"], keys: (1, -1, 1), run: { delete($0, $1.keyspace) }),
        "exists": Entry(arity: -2, flags: ["readonly", "fast"], keys: (1, -1, 1), run: { exists($0, $1.keyspace) }),
        "incr": Entry(arity: 2, flags: ["write", "denyoom", "fast"], keys: (1, 1, 1)) {
            increment($0, $1.keyspace, by: 1)
        },
        "decr": Entry(arity: 2, flags: ["write", "denyoom", "fast"], keys: (1, 1, 1)) {
            increment($0, $1.keyspace, by: -1)
        },
        "incrby": Entry(arity: 3, flags: ["write", "denyoom", "fast"], keys: (1, 1, 1)) {
            increment($0, $1.keyspace, by: nil)
        },
        "decrby": Entry(arity: 3, flags: ["write", "denyoom", "fast"], keys: (1, 1, 1)) {
            decrementBy($0, $1.keyspace)
        },
        "expire": Entry(arity: -3, flags: ["write", "fast"], keys: (1, 1, 1)) { expire($0, $1.keyspace, unit: 1000) },
        "pexpire": Entry(arity: -3, flags: ["write", "fast"], keys: (1, 1, 1)) { expire($0, $1.keyspace, unit: 1) },
        "ttl": Entry(arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1)) {
            timeToLive($0, $1.keyspace, inSeconds: true)
        },
        "pttl": Entry(arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1)) {
            timeToLive($0, $1.keyspace, inSeconds: false)
        },
        "persist": Entry(arity: 2, flags: ["write", "fast"], keys: (1, 1, 1), run: { persist($0, $1.keyspace) }),
        "type": Entry(arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1), run: { type($0, $1.keyspace) }),
        "mget": Entry(arity: -2, flags: ["readonly", "fast"], keys: (1, -1, 1), run: { multipleGet($0, $1.keyspace) }),
        "mset": Entry(arity: -3, flags: ["write", "denyoom"], keys: (1, -1, 2), run: { multipleSet($0, $1.keyspace) }),
        "dbsize": Entry(arity: 1, flags: ["readonly", "fast"], keys: (0, 0, 0)) { _, session in
            .integer(Int64(session.keyspace.count))
        },
        "flushdb": Entry(arity: -1, flags: ["write"], keys: (0, 0, 0)) { flush($0, [$1.keyspace]) },
        "flushall": Entry(arity: -1, flags: ["write"], keys: (0, 0, 0)) { flush($0, $1.databases) },
        "select": Entry(arity: 2, flags: ["loading", "stale", "fast"], keys: (0, 0, 0), run: select),
        "command": Entry(arity: -1, flags: ["loading", "stale"], keys: (0, 0, 0)) { command, _ in commandInfo(command)
        },
        "config": Entry(arity: -2, flags: ["admin", "loading", "stale"], keys: (0, 0, 0)) { command, session in
            config(command, databases: session.databases.count)
        },
        "quit": Entry(arity: -1, flags: ["fast"], keys: (0, 0, 0)) { _, session in
            session.isQuitting = true
            return .ok
        },
    ]

    private static let getName = RESPCommandName("get".utf8)!
    private static let setName = RESPCommandName("set".utf8)!

    /// The entries by packed name, for the lookup every command makes.
    private static let byName: [RESPCommandName: (name: String, entry: Entry)] = Dictionary(
        uniqueKeysWithValues: Self.entries.map { (RESPCommandName($0.key.utf8)!, ($0.key, $0.value)) }
    )

    /// Runs `command` for `session`: the reply, or the error Redis gives for an unknown command or a wrong
    /// number of arguments.
    static func run(_ command: RESPCommand, in session: inout RESPSession) -> RESPReply {
        guard let key = command.nameKey else { return Self.unknown(command) }
        // The commands of every benchmark and most traffic skip the table.
        if key == Self.getName, command.arguments.count == 2 { return Self.get(command, session.keyspace) }
        if key == Self.setName, command.arguments.count == 3 { return Self.set(command, session.keyspace) }
        guard let (name, entry) = Self.byName[key] else { return Self.unknown(command) }
        let count = command.arguments.count
        guard entry.arity > 0 ? count == entry.arity : count >= -entry.arity else {
            return Self.wrongArity(name)
        }
        return entry.run(command, &session)
    }

    // MARK: errors

    static let notInteger = RESPReply.failure("value is not an integer or out of range")
    static let syntaxError = RESPReply.failure("syntax error")

    static func wrongArity(_ name: String) -> RESPReply {
        .failure("wrong number of arguments for '\(name)' command")
    }

    /// "unknown command 'X', with args beginning with: 'a' 'b' " — the arguments quoted up to 128 characters.
    static func unknown(_ command: RESPCommand) -> RESPReply {
        var arguments: [UInt8] = []
        for argument in command.arguments.dropFirst() where arguments.count < 128 {
            let room = 128 - arguments.count
            arguments.append(UInt8(ascii: "'"))
            arguments += argument.readableBytesView.prefix(room)
            arguments += [UInt8(ascii: "'"), UInt8(ascii: " ")]
        }
        let name = String(decoding: command.arguments[0].readableBytesView.prefix(128), as: UTF8.self)
        let list = String(decoding: arguments, as: UTF8.self)
        return .failure("unknown command '\(name)', with args beginning with: \(list)")
    }

    // MARK: strings

    private static func ping(_ command: RESPCommand, _: inout RESPSession) -> RESPReply {
        switch command.arguments.count {
        case 1: .simple("PONG")
        case 2: .bulk(command.arguments[1])
        default: wrongArity("ping")
        }
    }

    private static func get(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        keyspace.read(command.arguments[1]) { entry in entry.map { .bytes($0.value) } ?? .null }
    }

    /// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT t | PXAT t | KEEPTTL].
    private static func set(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        var onlyIfMissing = false
        var onlyIfPresent = false
        var returnsOld = false
        var keepsDeadline = false
        var expiry: (value: ByteBuffer, unit: Int64, absolute: Bool)?
        var index = 3
        while index < command.arguments.count {
            let option = command.option(index)
            let hasNext = index + 1 < command.arguments.count
            switch option {
            case "NX" where !onlyIfPresent: onlyIfMissing = true
            case "XX" where !onlyIfMissing: onlyIfPresent = true
            case "GET": returnsOld = true
            case "KEEPTTL" where expiry == nil: keepsDeadline = true
            case "EX" where expiry == nil && !keepsDeadline && hasNext,
                "PX" where expiry == nil && !keepsDeadline && hasNext,
                "EXAT" where expiry == nil && !keepsDeadline && hasNext,
                "PXAT" where expiry == nil && !keepsDeadline && hasNext:
                expiry = (command.arguments[index + 1], option.hasPrefix("E") ? 1000 : 1, option.hasSuffix("AT"))
                index += 1
            default:
                return syntaxError
            }
            index += 1
        }
        var deadline: Int64 = 0
        if let expiry {
            guard let amount = RESPCommand.integer(expiry.value.readableBytesView) else { return notInteger }
            guard amount > 0, amount <= Int64.max / expiry.unit,
                let at = Self.deadline(after: amount * expiry.unit, absolute: expiry.absolute)
            else { return .failure("invalid expire time in 'set' command") }
            deadline = at
        }
        let value = command.arguments[2]
        return keyspace.write(command.arguments[1]) { entry in
            // The old value is kept only for SET … GET: otherwise the new one takes its storage.
            let old = returnsOld ? entry.map { RESPReply.bytes($0.value) } ?? .null : nil
            if (onlyIfMissing && entry != nil) || (onlyIfPresent && entry == nil) {
                return old ?? .null
            }
            let expiresAt = deadline != 0 ? deadline : keepsDeadline ? entry?.expiresAt ?? 0 : 0
            if entry == nil {
                entry = RESPKeyspace.Entry(value: Array(buffer: value), expiresAt: expiresAt)
            } else {
                entry!.replaceValue(with: value)
                entry!.expiresAt = expiresAt
            }
            return old ?? .ok
        }
    }

    private static func delete(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        .integer(Int64(command.arguments.dropFirst().filter { keyspace.remove($0) }.count))
    }

    private static func exists(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        .integer(Int64(command.arguments.dropFirst().filter { keyspace.read($0) { $0 != nil } }.count))
    }

    /// INCR, DECR, INCRBY (`by` nil: the amount is the second argument).
    private static func increment(_ command: RESPCommand, _ keyspace: RESPKeyspace, by: Int64?) -> RESPReply {
        guard let amount = by ?? command.integer(2) else { return notInteger }
        return keyspace.write(command.arguments[1]) { entry in
            var current: Int64 = 0
            if let entry {
                guard let stored = RESPCommand.integer(entry.value) else { return notInteger }
                current = stored
            }
            let (result, overflow) = current.addingReportingOverflow(amount)
            guard !overflow else { return .failure("increment or decrement would overflow") }
            // The key keeps its deadline, as in Redis.
            entry = RESPKeyspace.Entry(value: Array(String(result).utf8), expiresAt: entry?.expiresAt ?? 0)
            return .integer(result)
        }
    }

    private static func decrementBy(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        guard let amount = command.integer(2) else { return notInteger }
        guard amount != .min else { return .failure("decrement would overflow") }
        return increment(command, keyspace, by: -amount)
    }

    // MARK: deadlines

    /// EXPIRE / PEXPIRE key amount [NX | XX | GT | LT]; `unit` is milliseconds per unit of `amount`.
    private static func expire(_ command: RESPCommand, _ keyspace: RESPKeyspace, unit: Int64) -> RESPReply {
        let name = unit == 1000 ? "expire" : "pexpire"
        var flags = Set<String>()
        for index in command.arguments.indices.dropFirst(3) {
            let option = command.option(index)
            guard ["NX", "XX", "GT", "LT"].contains(option) else {
                return .failure("Unsupported option \(command.text(index))")
            }
            flags.insert(option)
        }
        if flags.contains("NX"), flags.count > 1 {
            return .failure("NX and XX, GT or LT options at the same time are not compatible")
        }
        if flags.contains("GT"), flags.contains("LT") {
            return .failure("GT and LT options at the same time are not compatible")
        }
        guard let amount = command.integer(2) else { return notInteger }
        guard amount <= Int64.max / unit, amount >= Int64.min / unit,
            let deadline = Self.deadline(after: amount * unit, absolute: false)
        else { return .failure("invalid expire time in '\(name)' command") }
        return keyspace.write(command.arguments[1]) { entry in
            guard let current = entry else { return .integer(0) }
            let hasDeadline = current.expiresAt != 0
            if flags.contains("NX") && hasDeadline { return .integer(0) }
            if flags.contains("XX") && !hasDeadline { return .integer(0) }
            if flags.contains("GT") && (!hasDeadline || deadline <= current.expiresAt) { return .integer(0) }
            if flags.contains("LT") && hasDeadline && deadline >= current.expiresAt { return .integer(0) }
            if deadline <= RESPKeyspace.now() {
                entry = nil
            } else {
                entry?.expiresAt = deadline
            }
            return .integer(1)
        }
    }

    /// The deadline `milliseconds` from now (or at Unix time `milliseconds` when `absolute`), nil on overflow.
    private static func deadline(after milliseconds: Int64, absolute: Bool) -> Int64? {
        let now = RESPKeyspace.now()
        var relative = milliseconds
        if absolute {
            var wall = timespec()
            clock_gettime(CLOCK_REALTIME, &wall)
            relative = milliseconds - (Int64(wall.tv_sec) * 1000 + Int64(wall.tv_nsec) / 1_000_000)
        }
        let (deadline, overflow) = now.addingReportingOverflow(relative)
        guard !overflow else { return nil }
        // A deadline of 0 or below means "already passed"; 0 itself is "no deadline" in an entry.
        return max(deadline, 1)
    }

    private static func timeToLive(_ command: RESPCommand, _ keyspace: RESPKeyspace, inSeconds: Bool) -> RESPReply {
        keyspace.read(command.arguments[1]) { entry in
            guard let entry else { return .integer(-2) }
            guard entry.expiresAt != 0 else { return .integer(-1) }
            let milliseconds = max(0, entry.expiresAt - RESPKeyspace.now())
            return .integer(inSeconds ? (milliseconds + 500) / 1000 : milliseconds)
        }
    }

    private static func persist(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        keyspace.write(command.arguments[1]) { entry in
            guard entry?.expiresAt ?? 0 != 0 else { return .integer(0) }
            entry?.expiresAt = 0
            return .integer(1)
        }
    }

    private static func type(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        keyspace.read(command.arguments[1]) { .simple($0 == nil ? "none" : "string") }
    }

    // MARK: several keys

    private static func multipleGet(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        .array(command.arguments.dropFirst().map { key in keyspace.read(key) { $0.map { .bytes($0.value) } ?? .null } })
    }

    private static func multipleSet(_ command: RESPCommand, _ keyspace: RESPKeyspace) -> RESPReply {
        guard command.arguments.count % 2 == 1 else { return wrongArity("mset") }
        for index in stride(from: 1, to: command.arguments.count, by: 2) {
            let value = Array(buffer: command.arguments[index + 1])
            keyspace.write(command.arguments[index]) { $0 = RESPKeyspace.Entry(value: value) }
        }
        return .ok
    }

    // MARK: the server

    private static func flush(_ command: RESPCommand, _ databases: [RESPKeyspace]) -> RESPReply {
        guard
            command.arguments.count == 1
                || (command.arguments.count == 2 && ["ASYNC", "SYNC"].contains(command.option(1)))
        else { return syntaxError }
        for keyspace in databases { keyspace.removeAll() }
        return .ok
    }

    private static func select(_ command: RESPCommand, _ session: inout RESPSession) -> RESPReply {
        guard let index = command.integer(1), let database = Int32(exactly: index) else { return notInteger }
        guard session.databases.indices.contains(Int(database)) else { return .failure("DB index is out of range") }
        session.selected = Int(database)
        return .ok
    }

    /// COMMAND, COMMAND COUNT, COMMAND INFO name…, COMMAND DOCS (none offered: an empty reply).
    private static func commandInfo(_ command: RESPCommand) -> RESPReply {
        func info(_ name: String) -> RESPReply {
            guard let entry = Self.entries[name] else { return .null }
            return .array([
                .bulk(name), .integer(Int64(entry.arity)), .array(entry.flags.map { .simple($0) }),
                .integer(Int64(entry.keys.first)), .integer(Int64(entry.keys.last)), .integer(Int64(entry.keys.step)),
            ])
        }
        guard command.arguments.count > 1 else { return .array(Self.entries.keys.sorted().map(info)) }
        switch command.option(1) {
        case "COUNT" where command.arguments.count == 2: return .integer(Int64(Self.entries.count))
        case "INFO": return .array(command.arguments.indices.dropFirst(2).map { info(command.text($0).lowercased()) })
        case "DOCS": return .array([])
        default: return .failure("unknown subcommand '\(command.text(1))'. Try COMMAND HELP.")
        }
    }

    /// CONFIG GET pattern…: the few settings a client asks about (redis-benchmark asks for `save` and
    /// `appendonly`); Journey keeps nothing on disk.
    private static func config(_ command: RESPCommand, databases: Int) -> RESPReply {
        guard command.option(1) == "GET" else {
            return .failure("unknown subcommand '\(command.text(1))'. Try CONFIG HELP.")
        }
        guard command.arguments.count >= 3 else { return wrongArity("config|get") }
        let settings = [("save", ""), ("appendonly", "no"), ("databases", String(databases))]
        var reply: [RESPReply] = []
        for (name, value) in settings {
            let wanted = command.arguments.indices.dropFirst(2).contains { index in
                let pattern = command.text(index).lowercased()
                return pattern == "*" || pattern == name
            }
            if wanted { reply += [.bulk(name), .bulk(value)] }
        }
        return .array(reply)
    }
}
