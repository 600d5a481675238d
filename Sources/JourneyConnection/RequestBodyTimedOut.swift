/// A user event the deadline keeper fires down the pipeline when a request body is too slow: the protocol handler
/// answers 408 and closes the connection by lingering (`LingeringClose`).
///
/// The keeper sees the reads but cannot answer in the protocol; if nobody answers within the lingering timeout,
/// it closes the connection itself.
package struct RequestBodyTimedOut: Sendable, Equatable {
    /// Whether the body fell below the minimum rate (else it paused longer than the body timeout).
    package var belowMinimumRate: Bool

    /// Creates the event.
    package init(belowMinimumRate: Bool) {
        self.belowMinimumRate = belowMinimumRate
    }
}
