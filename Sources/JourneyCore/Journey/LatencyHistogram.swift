/// Durations counted in log-linear buckets, HDR-histogram style: 16 buckets per power of two, so every
/// value is known within 1/16 (6.25 %) from a nanosecond to 18 minutes, in a fixed 592-slot array.
///
/// Recording is an index computation and an increment: no allocation, no lock. Percentiles, merging and
/// the Prometheus buckets are computed from the counts.
public struct LatencyHistogram: Sendable, Equatable {
    /// How many buckets there are.
    package static let bucketCount = 592
    /// Counts per bucket.
    public private(set) var counts: [UInt64]
    /// How many values were recorded.
    public private(set) var count: UInt64 = 0
    /// The sum of the recorded values, in nanoseconds.
    public private(set) var sum: UInt64 = 0

    /// An empty histogram.
    package init() {
        self.counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// Counts `nanoseconds`.
    @inline(__always)
    package mutating func record(_ nanoseconds: UInt64) {
        self.counts[Self.bucket(of: nanoseconds)] &+= 1
        self.count &+= 1
        self.sum &+= nanoseconds
    }

    /// Counts the values `value(0)` … `value(count - 1)` gives (nil: none at that index), with one check that
    /// the storage is unshared for the lot instead of one per value.
    package mutating func record(_ count: Int, values value: (Int) -> UInt64?) {
        var recorded: UInt64 = 0
        var sum: UInt64 = 0
        self.counts.withUnsafeMutableBufferPointer { counts in
            for index in 0..<count {
                guard let nanoseconds = value(index) else { continue }
                counts[Self.bucket(of: nanoseconds)] &+= 1
                recorded &+= 1
                sum &+= nanoseconds
            }
        }
        self.count &+= recorded
        self.sum &+= sum
    }

    /// Adds `other`'s counts to this histogram's.
    package mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for index in 0..<Self.bucketCount { self.counts[index] &+= other.counts[index] }
        self.count &+= other.count
        self.sum &+= other.sum
    }

    /// Forgets every value, keeping the storage.
    package mutating func reset() {
        guard self.count > 0 else { return }
        for index in 0..<Self.bucketCount { self.counts[index] = 0 }
        self.count = 0
        self.sum = 0
    }

    /// The value below which `fraction` (0...1) of the recorded values lie: the upper edge of the bucket that
    /// holds that rank. Nil when nothing was recorded.
    public func value(atFraction fraction: Double) -> UInt64? {
        guard self.count > 0 else { return nil }
        let rank = max(1, UInt64((Double(self.count) * min(max(fraction, 0), 1)).rounded(.up)))
        var seen: UInt64 = 0
        for index in 0..<Self.bucketCount {
            seen &+= self.counts[index]
            if seen >= rank { return Self.upperBound(of: index) }
        }
        return Self.upperBound(of: Self.bucketCount - 1)
    }

    /// The bucket that holds `value`.
    @inline(__always)
    package static func bucket(of value: UInt64) -> Int {
        guard value >= 16 else { return Int(value) }
        let highBit = 63 - value.leadingZeroBitCount
        let index = (highBit - 3) * 16 + Int((value >> UInt64(highBit - 4)) & 15)
        return min(index, Self.bucketCount - 1)
    }

    /// The smallest value of bucket `index`.
    package static func lowerBound(of index: Int) -> UInt64 {
        guard index >= 16 else { return UInt64(index) }
        let octave = index / 16
        return UInt64(16 + index % 16) << UInt64(octave - 1)
    }

    /// The largest value of bucket `index`.
    package static func upperBound(of index: Int) -> UInt64 {
        guard index + 1 < Self.bucketCount else { return UInt64.max }
        return Self.lowerBound(of: index + 1) - 1
    }
}
