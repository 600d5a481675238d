import JourneyCore

/// Conditional requests (RFC 9110 §13.2.2): which precondition decides, and what it answers.
///
/// A pure function of the request's fields and the representation's validators, evaluated in the
/// order the RFC fixes, so every combination can be tested as a table.
public enum Preconditions {
    /// What the evaluation decided.
    public enum Outcome: Hashable, Sendable {
        /// No precondition failed: send the representation (maybe ranged).
        case proceed
        /// 304: the client's copy is current (GET and HEAD only).
        case notModified
        /// 412: a state-changing precondition (If-Match / If-Unmodified-Since) failed.
        case preconditionFailed
    }

    /// The conditional fields of a request, as they arrived.
    public struct Fields: Sendable {
        /// `If-Match`.
        public var ifMatch: String?
        /// `If-None-Match`.
        public var ifNoneMatch: String?
        /// `If-Modified-Since`.
        public var ifModifiedSince: String?
        /// `If-Unmodified-Since`.
        public var ifUnmodifiedSince: String?

        /// Creates the set; nil for an absent field.
        public init(
            ifMatch: String? = nil,
            ifNoneMatch: String? = nil,
            ifModifiedSince: String? = nil,
            ifUnmodifiedSince: String? = nil
        ) {
            self.ifMatch = ifMatch
            self.ifNoneMatch = ifNoneMatch
            self.ifModifiedSince = ifModifiedSince
            self.ifUnmodifiedSince = ifUnmodifiedSince
        }
    }

    /// Evaluates `fields` against the representation's `entityTag` and `lastModified` (epoch seconds).
    ///
    /// - Parameter isSafeRead: GET or HEAD; only those turn a failed If-None-Match into 304.
    public static func evaluate(
        _ fields: Fields,
        entityTag: EntityTag,
        lastModified: Int,
        isSafeRead: Bool
    ) -> Outcome {
        // Step 1: If-Match, strong comparison; step 2 only when If-Match is absent.
        if let ifMatch = fields.ifMatch {
            switch EntityTag.parseList(ifMatch) {
            case .any: break
            case .tags(let tags):
                if !tags.contains(where: { $0.matchesStrongly(entityTag) }) { return .preconditionFailed }
            case nil:
                return .preconditionFailed
            }
        } else if let ifUnmodifiedSince = fields.ifUnmodifiedSince, let date = HTTPDate.parse(ifUnmodifiedSince) {
            // An invalid date is ignored (§13.1.4).
            if lastModified > date { return .preconditionFailed }
        }
        // Step 3: If-None-Match, weak comparison; step 4 only when it is absent.
        if let ifNoneMatch = fields.ifNoneMatch {
            let matches: Bool
            switch EntityTag.parseList(ifNoneMatch) {
            case .any: matches = true
            case .tags(let tags): matches = tags.contains(where: { $0.matchesWeakly(entityTag) })
            case nil: matches = false
            }
            if matches { return isSafeRead ? .notModified : .preconditionFailed }
        } else if isSafeRead, let ifModifiedSince = fields.ifModifiedSince,
            let date = HTTPDate.parse(ifModifiedSince)
        {
            if lastModified <= date { return .notModified }
        }
        return .proceed
    }
}
