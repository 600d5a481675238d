import JourneyStaticFiles

/// Accept-Encoding and q-values: never traps, never lists a coding twice.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let header = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let codings = ContentCoding.acceptable(from: header)
    precondition(Set(codings).count == codings.count)
    return 0
}
