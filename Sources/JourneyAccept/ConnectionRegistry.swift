import NIOConcurrencyHelpers
import NIOCore

/// Every open accepted connection, so shutdown can ask each to finish and know when all have.
///
/// NIOExtras' `ServerQuiescingHelper` does this for one listening socket and must outlive its event
/// loops; Journey has one socket per loop with reuseport and shuts its loops down last, so it keeps
/// its own count, which the Accept stage's metrics will read as well.
package final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var quiescing = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Creates an empty registry.
    package init() {}

    /// The number of open connections.
    package var count: Int { self.state.withLockedValue { $0.channels.count } }

    /// Up to `limit` of the open connections (for sampling their TCP_INFO).
    package func some(upTo limit: Int) -> [any Channel] {
        self.state.withLockedValue { Array($0.channels.values.prefix(limit)) }
    }

    /// Tracks `channel` until it closes; a connection accepted during shutdown is told to quiesce at once.
    package func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let quiescing = self.state.withLockedValue { state in
            state.channels[id] = channel
            return state.quiescing
        }
        channel.closeFuture.whenComplete { _ in self.remove(id) }
        if quiescing {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Asks every open connection to finish the response in hand and close (HTTP/1 answers the last
    /// one with `Connection: close`; idle connections close at once).
    package func quiesce() {
        let channels = self.state.withLockedValue { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Closes every open connection now (the drain timeout ran out).
    package func closeAll() {
        let channels = self.state.withLockedValue { Array($0.channels.values) }
        for channel in channels {
            channel.close(promise: nil)
        }
    }

    /// Returns once no connection is open.
    package func waitUntilEmpty() async {
        await withCheckedContinuation { continuation in
            let isEmpty = self.state.withLockedValue { state in
                if state.channels.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if isEmpty { continuation.resume() }
        }
    }

    private func remove(_ id: ObjectIdentifier) {
        let waiters = self.state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.channels[id] = nil
            guard state.channels.isEmpty else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
