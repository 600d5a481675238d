import NIOCore

/// Bounds what waits to be sent on one connection, whoever sends it: the route or a hub fanning a message out. A
/// message that would take what waits in the channel past `limit` meets the route's `SlowConsumerPolicy`, unless
/// nothing waits at all (so a message bigger than the limit still goes to a peer that keeps up): a backlog never
/// grows beyond the limit plus one message.
struct WebSocketOutboundLimit {
    /// What becomes of a message.
    enum Verdict {
        case send
        /// The policy drops it.
        case drop
        /// The policy disconnects the peer (1008).
        case disconnect
    }

    private let limit: Int
    private let policy: SlowConsumerPolicy
    /// The channel's high watermark: while it is writable, less than this waits.
    private let highWatermark: Int

    init(limit: Int, policy: SlowConsumerPolicy, highWatermark: Int) {
        self.limit = limit
        self.policy = policy
        self.highWatermark = highWatermark
    }

    /// Whether `bytes` more may be queued on `channel` now.
    func verdict(on bytes: Int, channel: any Channel) -> Verdict {
        // The common case costs no option lookup: a writable channel holds less than its high watermark.
        if channel.isWritable, self.highWatermark <= self.limit - bytes { return .send }
        let waiting = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard waiting > 0, waiting + bytes > self.limit else { return .send }
        switch self.policy {
        case .drop: return .drop
        case .disconnect: return .disconnect
        }
    }
}
