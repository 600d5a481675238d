import JourneyStaticFiles

/// Path normalisation: never traps; a resolved path never climbs, never smuggles a separator or NUL.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let path = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for dotfiles in [false, true] {
        if case .success(let resolved) = RequestPath.resolve(path, allowDotfiles: dotfiles) {
            for segment in resolved.segments {
                precondition(!segment.isEmpty && segment != "." && segment != "..")
                precondition(!segment.contains("/") && !segment.contains("\u{0}"))
                precondition(dotfiles || !segment.hasPrefix("."))
            }
            _ = resolved.encodedDirectory
        }
    }
    return 0
}
