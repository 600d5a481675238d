import JourneyStaticFiles

/// Range header parsing: never traps; every selected range lies inside the representation, sorted, disjoint.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let length = size > 0 ? Int(bytes[0]) * 97 : 0
    let header = String(decoding: bytes.dropFirst(), as: UTF8.self)
    if case .ranges(let ranges) = ByteRange.select(header, length: length) {
        precondition(!ranges.isEmpty && ranges.count <= ByteRange.maximumCount)
        for (index, range) in ranges.enumerated() {
            precondition(range.lowerBound >= 0 && range.upperBound <= length && !range.isEmpty)
            if index > 0 { precondition(ranges[index - 1].upperBound < range.lowerBound) }
        }
    }
    return 0
}
