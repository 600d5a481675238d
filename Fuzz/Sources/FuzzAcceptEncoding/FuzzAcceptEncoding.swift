import JourneyStaticFiles

/// Accept-Encoding and q-values: never traps, never lists a coding twice.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let header = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let codings = ContentCoding.acceptable(from: header)
    precondition(Set(codings).count == codings.count)
    return 0
}
