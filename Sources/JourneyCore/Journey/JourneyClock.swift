#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The monotonic clock every stage stamps with, or a clock that never ticks (`--no-journey`).
///
/// A stamp is one `clock_gettime(CLOCK_MONOTONIC)` (a vDSO call, no syscall); a stopped clock costs a
/// branch, which is how the cost of the journey is measured against its absence.
package struct JourneyClock: Sendable {
    /// Whether stamps are taken at all.
    package let isRunning: Bool

    /// A clock that stamps (`true`) or one whose every stamp is 0.
    package init(running: Bool = true) {
        self.isRunning = running
    }

    /// Nanoseconds on the monotonic clock, or 0 when the clock is stopped.
    @inline(__always)
    package func now() -> UInt64 {
        guard self.isRunning else { return 0 }
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
