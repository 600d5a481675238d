import JourneyAccept

/// Reload: a new configuration for new connections, without closing a socket.
extension Server {
    /// Serves `configuration` from now on, as nginx's reload does: connections accepted from now on get it, the
    /// open ones (WebSockets included) finish with the one they began with, and the listening sockets the new
    /// configuration still names stay bound, so no connection is refused or dropped; the main site's sockets it adds
    /// (`listeners.main`, `.additional`, `.unixSockets`) are bound first, those it drops are closed after (their
    /// open connections finish). The access log and certificate files are kept when they are the same files (the
    /// certificate is read again).
    ///
    /// What is fixed while the process runs keeps its running value and is named in the result: the admin,
    /// redirect and RESP listeners, socket activation, the event loops, the accept model, backlog and connection
    /// cap, the journey clock, the dashboard, the metrics endpoint, the log level and the pub/sub hub's sender rule.
    /// Restart to change those.
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
        // The main site's sockets: those the new configuration still names stay bound (no connection refused),
        // new ones are bound before anything changes, the ones it no longer names close after.
        let (current, inherited, mainProtocol) = self.state.withLockedValue {
            ($0.mainSockets, $0.inherited, $0.mainProtocol)
        }
        let plan = self.mainSockets(adopted, inherited: inherited)
        var added: [(key: String, host: String, bound: BoundListener)] = []
        if let mainProtocol {
            do {
                for socket in plan where !current.contains(where: { $0.key == socket.key }) {
                    let (host, bound) = try await self.bind(socket, speaking: mainProtocol)
                    added.append((socket.key, host, bound))
                }
            } catch {
                for socket in added { await socket.bound.close() }
                await self.discard(site, keepingWhatIsIn: previous)
                throw error
            }
        }
        let removed = current.filter { socket in !plan.contains { $0.key == socket.key } }
        self.state.withLockedValue { state in
            state.mainProtocol?.replace(with: site.connectionProtocol)
            state.site = site
            state.configuration = adopted
            for socket in added {
                state.listeners.append((.main, socket.host, socket.bound))
                state.mainSockets.append((socket.key, socket.bound))
            }
            for socket in removed {
                let channel = socket.bound.channels.first
                state.listeners.removeAll { $0.bound.channels.first === channel }
                state.mainSockets.removeAll { $0.bound.channels.first === channel }
            }
            for old in previous?.accessLogWriters ?? [] where !site.accessLogWriters.contains(where: { $0 === old }) {
                state.retiredAccessLogs.append(old)
            }
        }
        for old in previous?.allCertificateWatches ?? []
        where !site.allCertificateWatches.contains(where: { $0 === old }) {
            await old.stop()
        }
        await previous?.watcher?.stop()
        for socket in removed { await socket.bound.close() }
        self.statistics.recorders.countSites(site.siteCounting)
        return waiting
    }

    /// Lets go of what `site` opened that `previous` does not hold too: a reload that could not finish.
    private func discard(_ site: MainSite, keepingWhatIsIn previous: MainSite?) async {
        for watch in site.allCertificateWatches
        where !(previous?.allCertificateWatches ?? []).contains(where: { $0 === watch }) {
            await watch.stop()
        }
        await site.watcher?.stop()
        for writer in site.accessLogWriters
        where !(previous?.accessLogWriters ?? []).contains(where: { $0 === writer }) {
            writer.close()
        }
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
        keep("listeners.admin", \.listeners.admin)
        keep("listeners.redirect", \.listeners.redirect)
        keep("listeners.resp", \.listeners.resp)
        keep("listeners.socketActivation", \.listeners.socketActivation)
        keep("accept.threads", \.accept.threads)
        keep("accept.backlog", \.accept.backlog)
        keep("accept.model", \.accept.model)
        keep("accept.maximumConnections", \.accept.maximumConnections)
        keep("observe.recordsJourney", \.observe.recordsJourney)
        keep("observe.dashboard", \.observe.dashboard)
        keep("observe.servesMetrics", \.observe.servesMetrics)
        keep("observe.logLevel", \.observe.logLevel)
        keep("webSocket.pubSubIncludesSender", \.webSocket.pubSubIncludesSender)
        keep("webSocket.pubSubRedis", \.webSocket.pubSubRedis)
        keep("webSocket.pubSubPrefix", \.webSocket.pubSubPrefix)
        keep("webSocket.pubSubHistory", \.webSocket.pubSubHistory)
        keep("observe.instanceID", \.observe.instanceID)
        return differing
    }
}
