import NIOCore

/// Graceful shutdown: stop accepting, drain within the drain timeout, stop the loops.
extension Server {
    /// Stops accepting, waits up to the drain timeout for open connections to finish, then stops.
    ///
    /// - Returns: whether every connection finished within the drain timeout (false: some were cut).
    @discardableResult
    public func shutdown() async throws -> Bool {
        let alreadyStopped = self.state.withLockedValue { state in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !alreadyStopped else { return true }
        let (listeners, sampling, site) = self.state.withLockedValue { state in
            defer {
                state.listeners = []
                state.sampling = nil
                state.site?.watcher = nil
                state.site?.certificateWatch = nil
                state.site?.siteCertificateWatches = []
            }
            return (state.listeners.map(\.bound), state.sampling, state.site)
        }
        for watch in site?.allCertificateWatches ?? [] { await watch.stop() }
        await site?.watcher?.stop()
        // The sampler stops before the loops do: a collection in flight must not schedule on a loop that is gone.
        sampling?.cancel()
        await sampling?.value
        for listener in listeners { await listener.close() }
        self.connections.quiesce()
        self.logger.notice(
            "stopped accepting; draining open connections",
            metadata: [
                "connections": "\(self.connections.count)",
                "drain-timeout": "\(self.configuration.accept.drainTimeout)",
            ]
        )
        // Whichever comes first, every connection closed or the drain timeout, ends the wait.
        let drainTimeout = self.configuration.accept.drainTimeout
        let connections = self.connections
        let drained = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await connections.waitUntilEmpty()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: drainTimeout)
                return false
            }
            let drained = await group.next() ?? true
            // Closing what is left lets the waiting task finish; cancelling ends the sleep.
            if !drained { connections.closeAll() }
            group.cancelAll()
            return drained
        }
        if !drained {
            self.logger.warning("drain timeout reached; closed the remaining connections")
        }
        await self.pubSubHub.backplane?.shutdown()
        try await self.threadPool.shutdownGracefully()
        try await self.group.shutdownGracefully()
        for accessLog in self.state.withLockedValue({ ($0.site?.accessLogWriters ?? []) + $0.retiredAccessLogs }) {
            accessLog.close()
        }
        return drained
    }
}
