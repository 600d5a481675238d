import JourneyAccept
import NIOCore

extension Configuration {
    /// How connections are accepted and let go: the Accept stage's settings, for every listener.
    public struct Accept: Sendable, Equatable {
        /// Event loop threads (`--threads`); one per core by default.
        public var threads = System.coreCount
        /// The accept queue length of each listening socket (`--backlog`; nginx's default).
        public var backlog = 511
        /// One shared listening socket, or one per event loop (`--accept`).
        public var model = AcceptModel.shared
        /// The most connections open at once (`--max-connections`); at the cap accepting pauses and the kernel's
        /// accept queue holds the rest. nil: no cap.
        public var maximumConnections: Int?
        /// How long in-flight responses may take to finish after a shutdown signal (`--drain-timeout`).
        public var drainTimeout = Duration.seconds(10)

        /// The defaults.
        public init() {}
    }
}
