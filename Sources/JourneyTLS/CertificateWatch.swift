/// A served certificate kept current: the task that checks its files for a renewal (`ServerIdentity.watch()`), and
/// the immediate reload that SIGHUP asks for. The server holds one for its TLS listener while it serves.
package final class CertificateWatch: Sendable {
    /// The certificate and key served.
    package let identity: ServerIdentity
    private let task: Task<Void, Never>

    /// Starts checking `identity`'s files every check interval.
    package init(identity: ServerIdentity) {
        self.identity = identity
        self.task = Task {
            do {
                try await identity.watch()
            } catch {
                // Cancelled at shutdown.
            }
        }
    }

    /// Reads the files again now. `offload` runs the read where blocking is allowed (the server's thread pool): the
    /// files are read with blocking calls.
    package func reloadNow(
        offload: @Sendable (_ read: @escaping @Sendable () throws -> Void) async throws -> Void
    ) async throws {
        let identity = self.identity
        try await offload { try identity.reload() }
    }

    /// Stops checking, once the check in progress (if any) has ended.
    package func stop() async {
        self.task.cancel()
        await self.task.value
    }
}
