import JourneyCore
import JourneyStaticFiles

/// Conditional headers and HTTP dates: never trap; a date that parses formats and parses back the same.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parts = text.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
    func part(_ index: Int) -> String? { index < parts.count ? parts[index] : nil }
    let fields = Preconditions.Fields(
        ifMatch: part(0),
        ifNoneMatch: part(1),
        ifModifiedSince: part(2),
        ifUnmodifiedSince: part(3)
    )
    _ = Preconditions.evaluate(fields, entityTag: EntityTag(opaque: "a"), lastModified: 1_000_000, isSafeRead: true)
    _ = EntityTag.parseList(text)
    if let seconds = HTTPDate.parse(text) {
        precondition(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
    }
    return 0
}
