import NIOCore
import Testing

@testable import Journey

/// The cache of compressed files: kept by key within a byte budget, the least recently used let go first.
struct CompressedFileCacheTests {
    @Test func theLeastRecentlyUsedGoFirstWhenTheBudgetIsSpent() {
        let cache = CompressedFileCache(budget: 400)
        let body = ByteBuffer(repeating: 1, count: 100)
        cache.keep(body, for: "a")
        cache.keep(body, for: "b")
        cache.keep(body, for: "c")
        #expect(cache.body(for: "a") == body)
        cache.keep(body, for: "d")
        cache.keep(body, for: "e")
        // "b" was used least recently ("a" was read after "c" was kept).
        #expect(cache.body(for: "b") == nil)
        #expect(cache.body(for: "a") != nil)
        #expect(cache.body(for: "e") != nil)
        #expect(cache.keptBytes == 400)
    }

    @Test func aBodyOverAQuarterOfTheBudgetIsNotKept() {
        let cache = CompressedFileCache(budget: 400)
        cache.keep(ByteBuffer(repeating: 1, count: 101), for: "large")
        #expect(cache.body(for: "large") == nil)
        #expect(cache.keptBytes == 0)
    }
}
