import JourneyWire
import NIOCore

/// A RESP2 server (the Redis serialization protocol) on Journey's stages: strings with deadlines in a sharded
/// keyspace, enough of Redis for redis-cli, redis-benchmark and client libraries' everyday commands.
///
/// PING, ECHO, GET, SET (EX/PX/EXAT/PXAT/NX/XX/GET/KEEPTTL), DEL, EXISTS, INCR/DECR/INCRBY/DECRBY,
/// EXPIRE/PEXPIRE (NX/XX/GT/LT), TTL/PTTL, PERSIST, TYPE, MGET, MSET, DBSIZE, FLUSHDB/FLUSHALL,
/// COMMAND (COUNT/INFO/DOCS), CONFIG GET, SELECT, QUIT; inline and multibulk requests, pipelined. Replies and
/// errors are Redis 7's, word for word.
public struct RESPProtocol: WireResponder {
    /// The databases (`SELECT 0` to `SELECT 15`), shared by every connection of the listeners given this value.
    public let databases: [RESPKeyspace]
    /// The most bytes one request may take (Redis's proto-max-bulk-len is 512 MiB; 64 MiB by default here).
    public let maximumRequestSize: Int
    /// A connection silent this long is closed (Redis's `timeout`, which is off by default: so is this).
    public let idleTimeout: TimeAmount?

    /// A RESP server with `databases` empty databases (16, as Redis).
    public init(
        databases: Int = 16,
        maximumRequestSize: Int = 64 << 20,
        idleTimeout: TimeAmount? = nil
    ) {
        self.databases = (0..<max(1, databases)).map { _ in RESPKeyspace() }
        self.maximumRequestSize = maximumRequestSize
        self.idleTimeout = idleTimeout
    }

    /// "resp".
    public var name: String { "resp" }

    /// Requests up to `maximumRequestSize`; pipelines of up to 1,024 commands read ahead.
    public var limits: WireLimits {
        // The framer holds one argument at most while it waits for the rest (plus its `$` line).
        WireLimits(
            maximumFrameSize: self.maximumRequestSize + RESPCommandDecoder.maximumLineLength,
            idleTimeout: self.idleTimeout,
            maximumInFlight: 1024
        )
    }

    /// A decoder for one connection.
    public func makeFramer() -> RESPCommandDecoder {
        RESPCommandDecoder(maximumRequestSize: self.maximumRequestSize)
    }

    /// An encoder for one connection.
    public func makeEncoder() -> RESPReplyEncoder {
        RESPReplyEncoder()
    }

    /// A connection starts in database 0.
    public func makeSession(context: WireContext) -> RESPSession {
        RESPSession(databases: self.databases)
    }

    /// Runs the command; QUIT answers OK and closes.
    public func respond(to command: RESPCommand, in session: inout RESPSession) -> WireResponse<RESPReply> {
        let reply = RESPCommandTable.run(command, in: &session)
        return session.isQuitting ? .replyThenClose(reply) : .reply(reply)
    }

    /// `-ERR Protocol error: …`, as Redis answers before it closes (nothing for an oversized request).
    public func farewell(for error: any Error) -> RESPReply? {
        guard let error = error as? RESPProtocolError else { return nil }
        return error.reason.map { .failure("Protocol error: \($0)") }
    }
}
