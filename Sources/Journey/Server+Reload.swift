/// Reload: a new configuration for new connections, without closing a socket.
extension Server {
    /// Serves `configuration` from now on, as nginx's reload does: connections accepted from now on get it, the
    /// open ones (WebSockets included) finish with the one they began with, and the listening sockets stay bound,
    /// so no connection is refused or dropped. The access log and certificate files are kept when they are the
    /// same files (the certificate is read again).
    ///
    /// What is fixed while the process runs keeps its running value and is named in the result: the listeners,
    /// the event loops, the accept model, backlog and connection cap, the journey clock, the dashboard, the
    /// metrics endpoint, the log level and the pub/sub hub's sender rule. Restart to change those.
    ///
    /// - Returns: the fields `configuration` changed that wait for a restart (empty when it all applied).
    /// - Throws: `InvalidConfiguration`, or what opening its files threw; the server then goes on serving the
    ///   configuration it had, unchanged.
    @discardableResult
    public func reload(_ configuration: Configuration) async throws -> [String] {
        try configuration.validate()
        let (running, observe, previous) = try self.state.withLockedValue { state in
            guard state.started, !state.stopped, let observe = state.observe else { throw ReloadRefused.notServing }
            guard !state.reloading else { throw ReloadRefused.reloadUnderWay }
            state.reloading = true
            return (state.configuration, observe, state.site)
        }
        defer { self.state.withLockedValue { $0.reloading = false } }
        var adopted = configuration
        let waiting = adopted.keepFixedFields(of: running)
        let site = try await self.makeMainSite(adopted, observe: observe, replacing: previous)
        self.state.withLockedValue { state in
            state.mainProtocol?.replace(with: site.connectionProtocol)
            state.site = site
            state.configuration = adopted
            for old in previous?.accessLogWriters ?? [] where !site.accessLogWriters.contains(where: { $0 === old }) {
                state.retiredAccessLogs.append(old)
            }
        }
        for old in previous?.allCertificateWatches ?? []
        where !site.allCertificateWatches.contains(where: { $0 === old }) {
            await old.stop()
        }
        await previous?.watcher?.stop()
        return waiting
    }

    /// Opens every access log file again by its path (SIGUSR1 in `journey`, nginx's `-s reopen`): after logrotate
    /// has moved the files away, the next lines go to new ones; nothing is lost and nothing copied.
    public func reopenLogs() {
        let writers = self.state.withLockedValue { ($0.site?.accessLogWriters ?? []) + $0.retiredAccessLogs }
        for writer in writers { writer.reopen() }
    }

    /// Why `reload(_:)` did nothing.
    public enum ReloadRefused: Error, Sendable {
        /// The server is not running: before `start()` or after `shutdown()`.
        case notServing
        /// Another reload has not finished.
        case reloadUnderWay
    }
}

extension Configuration {
    /// Sets what only a restart can change back to `running`'s values; returns the fields that differed.
    fileprivate mutating func keepFixedFields(of running: Configuration) -> [String] {
        var differing: [String] = []
        func keep<Value: Equatable>(_ field: String, _ keyPath: WritableKeyPath<Configuration, Value>) {
            if self[keyPath: keyPath] != running[keyPath: keyPath] {
                differing.append(field)
                self[keyPath: keyPath] = running[keyPath: keyPath]
            }
        }
        keep("listeners", \.listeners)
        keep("accept.threads", \.accept.threads)
        keep("accept.backlog", \.accept.backlog)
        keep("accept.model", \.accept.model)
        keep("accept.maximumConnections", \.accept.maximumConnections)
        keep("observe.recordsJourney", \.observe.recordsJourney)
        keep("observe.dashboard", \.observe.dashboard)
        keep("observe.servesMetrics", \.observe.servesMetrics)
        keep("observe.logLevel", \.observe.logLevel)
        keep("webSocket.pubSubIncludesSender", \.webSocket.pubSubIncludesSender)
        return differing
    }
}
