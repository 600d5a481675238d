// What the journey costs one request: the stamps, the per-connection timeline and the per-loop recorder,
// exactly as HTTP1Connection's taps and request handler call them, on one thread, without the network.
//
//   swift run -c release journey-cost [REQUESTS]
//
// Prints nanoseconds per request with the clock running (the default) and stopped (--no-journey), and with
// no journey calls at all; the difference against a measured request (1 / requests per CPU-second from
// Benchmarks/compare.sh) is the share of the 1 KiB benchmark the journey takes.
import JourneyConnection
import JourneyCore

#if canImport(Glibc)
import Glibc
#endif

func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

@inline(never)
func journey(requests: Int, clock: JourneyClock, recorder: JourneyRecorder) -> UInt64 {
    let timeline = ConnectionTimeline(recorder: recorder, clock: clock)
    let request = Request(head: .init(method: .get, scheme: "http", authority: "x", path: "/index.html"))
    let start = nanoseconds()
    for _ in 0..<requests {
        timeline.bytesArrived()  // RequestLineGuard.channelRead
        timeline.headParsed()  // HTTP1ParseTap, .head
        timeline.bodyDecoded()  // HTTP1ParseTap, .end
        var stamps = timeline.takeRequestTimeline()  // HTTP1RequestHandler, .end
        timeline.move(to: .processing)
        stamps.processed = clock.now()  // the responder's future completed
        timeline.move(to: .writing)
        stamps.lastByteWritten = clock.now()  // the write promise completed
        timeline.responseWritten()
        recorder.requestFinished(stamps, status: 200, bodyBytes: 1024, request: request)
    }
    return nanoseconds() - start
}

let requests = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5_000_000
var results: [String: [Double]] = [:]
for _ in 0..<5 {
    for (name, clock) in [
        ("running clock (default)", JourneyClock()), ("stopped clock (--no-journey)", JourneyClock(running: false)),
    ] {
        let recorder = JourneyRecorder(clock: clock)
        let elapsed = journey(requests: requests, clock: clock, recorder: recorder)
        results[name, default: []].append(Double(elapsed) / Double(requests))
        _ = recorder.takeInterval()
    }
}
for (name, samples) in results.sorted(by: { $0.key < $1.key }) {
    let median = samples.sorted()[samples.count / 2]
    print("\(name): \((median * 10).rounded() / 10) ns per request (median of 5 × \(requests))")
}
