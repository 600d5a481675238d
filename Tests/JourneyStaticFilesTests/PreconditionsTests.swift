import JourneyStaticFiles
import Testing

@Suite struct PreconditionsTests {
    private let tag = EntityTag(opaque: "abc")
    private let modified = 1_000_000
    private let before = "Mon, 12 Jan 1970 13:46:39 GMT"  // 999_999
    private let at = "Mon, 12 Jan 1970 13:46:40 GMT"  // 1_000_000

    private func evaluate(_ fields: Preconditions.Fields, safe: Bool = true) -> Preconditions.Outcome {
        Preconditions.evaluate(fields, entityTag: self.tag, lastModified: self.modified, isSafeRead: safe)
    }

    @Test func noConditionsProceed() {
        #expect(self.evaluate(.init()) == .proceed)
    }

    @Test func ifNoneMatchUsesWeakComparison() {
        #expect(self.evaluate(.init(ifNoneMatch: "\"abc\"")) == .notModified)
        #expect(self.evaluate(.init(ifNoneMatch: "W/\"abc\"")) == .notModified)
        #expect(self.evaluate(.init(ifNoneMatch: "\"x\", \"abc\"")) == .notModified)
        #expect(self.evaluate(.init(ifNoneMatch: "*")) == .notModified)
        #expect(self.evaluate(.init(ifNoneMatch: "\"x\"")) == .proceed)
        #expect(self.evaluate(.init(ifNoneMatch: "\"abc\""), safe: false) == .preconditionFailed)
    }

    @Test func ifNoneMatchOverridesIfModifiedSince() {
        // §13.2.2 step 4 runs only without If-None-Match.
        #expect(self.evaluate(.init(ifNoneMatch: "\"x\"", ifModifiedSince: self.at)) == .proceed)
    }

    @Test func ifModifiedSince() {
        #expect(self.evaluate(.init(ifModifiedSince: self.at)) == .notModified)
        #expect(self.evaluate(.init(ifModifiedSince: self.before)) == .proceed)
        #expect(self.evaluate(.init(ifModifiedSince: "garbage")) == .proceed)
        #expect(self.evaluate(.init(ifModifiedSince: self.at), safe: false) == .proceed)
    }

    @Test func ifMatchUsesStrongComparison() {
        #expect(self.evaluate(.init(ifMatch: "\"abc\"")) == .proceed)
        #expect(self.evaluate(.init(ifMatch: "*")) == .proceed)
        #expect(self.evaluate(.init(ifMatch: "W/\"abc\"")) == .preconditionFailed)
        #expect(self.evaluate(.init(ifMatch: "\"x\"")) == .preconditionFailed)
        #expect(self.evaluate(.init(ifMatch: "garbage")) == .preconditionFailed)
    }

    @Test func ifUnmodifiedSince() {
        #expect(self.evaluate(.init(ifUnmodifiedSince: self.at)) == .proceed)
        #expect(self.evaluate(.init(ifUnmodifiedSince: self.before)) == .preconditionFailed)
        #expect(self.evaluate(.init(ifUnmodifiedSince: "garbage")) == .proceed)
        // If-Match present: If-Unmodified-Since is not evaluated.
        #expect(self.evaluate(.init(ifMatch: "\"abc\"", ifUnmodifiedSince: self.before)) == .proceed)
    }

    @Test func ifMatchIsEvaluatedBeforeIfNoneMatch() {
        #expect(self.evaluate(.init(ifMatch: "\"x\"", ifNoneMatch: "\"abc\"")) == .preconditionFailed)
    }

    @Test func parsesEntityTagLists() {
        #expect(EntityTag.parseList(" * ") == .any)
        #expect(
            EntityTag.parseList("\"a\" ,W/\"b\",,\"c,d\"")
                == .tags([
                    EntityTag(opaque: "a"), EntityTag(opaque: "b", isWeak: true), EntityTag(opaque: "c,d"),
                ])
        )
        #expect(EntityTag.parseList("abc") == nil)
        #expect(EntityTag.parseList("\"unterminated") == nil)
    }

    @Test func fileEntityTagsChangeWithEveryIdentityField() {
        let base = EntityTag(inode: 1, size: 2, modificationTime: 3)
        #expect(base.headerValue == "\"1-2-3\"")
        #expect(base != EntityTag(inode: 9, size: 2, modificationTime: 3))
        #expect(base != EntityTag(inode: 1, size: 9, modificationTime: 3))
        #expect(base != EntityTag(inode: 1, size: 2, modificationTime: 9))
    }
}
