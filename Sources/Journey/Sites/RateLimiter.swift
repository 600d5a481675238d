import NIOConcurrencyHelpers
import NIOCore

/// nginx's `limit_req` for one rule: each client (by address) has a bucket that leaks at the rule's rate and holds
/// `burst` requests beyond it, kept as the time its bucket will be empty (the generic cell rate algorithm). Shared by
/// the event loops under a lock held for a dictionary look-up, never across I/O.
final class RateLimiter: Sendable {
    /// What happens to one request.
    enum Decision: Equatable {
        /// Answer now.
        case now
        /// Answer after waiting this long (a burst spaced to the rate, without `nodelay`).
        case after(TimeAmount)
        /// Refuse (429); the client may try again after this many seconds.
        case refused(retryAfter: Int)
    }

    private let interval: Int64
    private let tolerance: Int64
    private let delays: Bool
    /// When each client's bucket is empty again, in uptime nanoseconds.
    private let emptyAt = NIOLockedValueBox<[String: Int64]>([:])
    /// Clients kept at most: past it, those whose bucket is empty are forgotten.
    private static let clientsKept = 100_000

    init(_ limit: SiteRule.RateLimit) {
        self.interval = Int64(1e9 / limit.requestsPerSecond)
        self.tolerance = self.interval * Int64(limit.burst)
        self.delays = !limit.nodelay
    }

    /// The decision for a request from `client` at `now`.
    func admit(_ client: String, now: NIODeadline = .now()) -> Decision {
        let now = Int64(now.uptimeNanoseconds)
        return self.emptyAt.withLockedValue { emptyAt in
            let empty = max(emptyAt[client] ?? now, now)
            // Admitted when, with this request added, the bucket holds no more than the burst.
            let wait = empty - now
            guard wait <= self.tolerance else {
                let retry = wait - self.tolerance
                return .refused(retryAfter: Int((retry + 999_999_999) / 1_000_000_000))
            }
            if emptyAt.count >= Self.clientsKept { emptyAt = emptyAt.filter { $0.value > now } }
            emptyAt[client] = empty + self.interval
            return self.delays && wait > 0 ? .after(.nanoseconds(wait)) : .now
        }
    }
}
