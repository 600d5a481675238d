import JourneyStaticFiles
import Testing

@Suite struct ByteRangeTests {
    @Test(arguments: [
        ("bytes=0-9", [0..<10]),
        ("bytes=-10", [90..<100]),  // the LAST ten bytes (RFC 9110 §14.1.2), not the first
        ("bytes=90-", [90..<100]),
        ("bytes=90-1000", [90..<100]),
        ("bytes=-1000", [0..<100]),
        ("bytes=0-0", [0..<1]),
        ("bytes=99-99", [99..<100]),
        ("BYTES=0-1", [0..<2]),
        ("bytes= 0-1 , 5-6", [0..<2, 5..<7]),
        ("bytes=5-6,0-1", [0..<2, 5..<7]),
        ("bytes=0-10,5-20", [0..<21]),  // overlapping ranges merge
        ("bytes=0-9,10-19", [0..<20]),  // adjacent ranges merge
        ("bytes=0-,0-,0-", [0..<100]),
        ("bytes=0-9,200-300", [0..<10]),  // unsatisfiable members are dropped
        ("bytes=0-99999999999999999999999", [0..<100]),  // overflowing numbers saturate
        ("bytes=-99999999999999999999999", [0..<100]),
    ])
    func selectsRanges(_ header: String, _ expected: [Range<Int>]) {
        #expect(ByteRange.select(header, length: 100) == .ranges(expected))
    }

    @Test(arguments: ["bytes=100-", "bytes=200-300", "bytes=-0", "bytes=100-200,300-", "bytes=99999999999999999999-"])
    func reportsUnsatisfiable(_ header: String) {
        #expect(ByteRange.select(header, length: 100) == .unsatisfiable)
    }

    @Test(arguments: [
        "", "bytes", "bytes=", "items=0-1", "bytes=a-b", "bytes=5-1", "bytes=0-1-2", "bytes=--1", "bytes=1",
        "bytes=+1-2", "bytes=0x1-2", "bytes=,", "bytes=1 -2",
    ])
    func ignoresMalformedHeaders(_ header: String) {
        #expect(ByteRange.select(header, length: 100) == .whole)
    }

    @Test func anEmptyRepresentationHasNoSatisfiableRange() {
        #expect(ByteRange.select("bytes=0-", length: 0) == .unsatisfiable)
        #expect(ByteRange.select("bytes=-5", length: 0) == .unsatisfiable)
    }

    @Test func tooManyRangesServeTheWhole() {
        let many = "bytes=" + (0..<1000).map { "\($0 * 2)-\($0 * 2)" }.joined(separator: ",")
        #expect(ByteRange.select(many, length: 10_000) == .whole)
        let fewEnough = "bytes=" + (0..<100).map { "\($0 * 2)-\($0 * 2)" }.joined(separator: ",")
        guard case .ranges(let ranges) = ByteRange.select(fewEnough, length: 10_000) else {
            Issue.record("expected ranges")
            return
        }
        #expect(ranges.count == 100)
    }

    @Test func thousandOverlappingRangesCollapseToOne() {
        let many = "bytes=" + Array(repeating: "0-", count: 1000).joined(separator: ",")
        #expect(ByteRange.select(many, length: 10) == .ranges([0..<10]))
    }
}
