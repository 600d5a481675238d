import JourneyCore
import Testing

@Suite struct LatencyHistogramTests {
    @Test func bucketsAreContiguousAndWithinASixteenth() {
        var previousUpper: UInt64?
        for index in 0..<(LatencyHistogram.bucketCount - 1) {
            let lower = LatencyHistogram.lowerBound(of: index)
            let upper = LatencyHistogram.upperBound(of: index)
            if let previousUpper { #expect(lower == previousUpper + 1, "bucket \(index)") }
            #expect(LatencyHistogram.bucket(of: lower) == index)
            #expect(LatencyHistogram.bucket(of: upper) == index)
            // A bucket is at most 1/16 of its values wide (exact below 16).
            #expect((upper - lower) * 16 <= max(lower, 1), "bucket \(index) is \(lower)...\(upper)")
            previousUpper = upper
        }
        #expect(LatencyHistogram.bucket(of: .max) == LatencyHistogram.bucketCount - 1)
    }

    @Test func percentilesComeFromTheRankedBucket() {
        var histogram = LatencyHistogram()
        #expect(histogram.value(atFraction: 0.5) == nil)
        for value in 1...100 { histogram.record(UInt64(value) * 1000) }  // 1 µs … 100 µs
        #expect(histogram.count == 100)
        #expect(histogram.sum == 5050 * 1000)
        let median = try! #require(histogram.value(atFraction: 0.5))
        #expect(median >= 50_000 && median <= 50_000 + 50_000 / 16)
        let p99 = try! #require(histogram.value(atFraction: 0.99))
        #expect(p99 >= 99_000 && p99 <= 99_000 + 99_000 / 16)
    }

    @Test func mergeAddsAndResetEmpties() {
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        first.record(10)
        second.record(10)
        second.record(1_000_000)
        first.merge(second)
        #expect(first.count == 3)
        #expect(first.counts[LatencyHistogram.bucket(of: 10)] == 2)
        first.reset()
        #expect(first == LatencyHistogram())
    }
}

@Suite struct RequestTimelineTests {
    @Test func stagesAreSpansBetweenStamps() {
        var timeline = RequestTimeline()
        timeline.accepted = 1_000
        timeline.firstByte = 2_000
        timeline.headArrived = 2_500
        timeline.headParsed = 4_000
        timeline.bodyDecoded = 4_000
        timeline.processed = 1_254_000
        timeline.lastByteWritten = 1_300_000
        #expect(timeline.duration(of: .read) == 500)
        #expect(timeline.duration(of: .parse) == 1_500)
        #expect(timeline.duration(of: .decode) == 0)
        #expect(timeline.duration(of: .process) == 1_250_000)
        #expect(timeline.duration(of: .write) == 46_000)
        #expect(timeline.duration(of: .total) == 1_298_000)
        #expect(timeline.duration(of: .decrypt) == nil)
        #expect(timeline.serverTiming == "read;dur=0.001, parse;dur=0.002, decode;dur=0.000, process;dur=1.250")
        timeline.tlsDone = 1_801_000
        #expect(timeline.serverTiming.hasPrefix("tls;dur=1.800, read;"))
    }

    @Test func anUnstampedTimelineHasNoStagesAndNoServerTiming() {
        let timeline = RequestTimeline()
        for stage in Stage.allCases { #expect(timeline.duration(of: stage) == nil) }
        #expect(timeline.serverTiming.isEmpty)
    }

    @Test func aStoppedClockReadsZero() {
        #expect(JourneyClock(running: false).now() == 0)
        let clock = JourneyClock()
        let first = clock.now()
        #expect(first > 0 && clock.now() >= first)
    }
}
