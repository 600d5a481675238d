import JourneyStaticFiles

/// Directory-listing escaping: whatever the file name, no raw `<`, `>` or `"` of it reaches the page.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let name = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let empty = DirectoryListing(urlPath: "/", items: []).html
    let html = DirectoryListing(
        urlPath: "/",
        items: [.init(name: name, isDirectory: false, size: 1, modificationTime: 0)]
    ).html
    // The page is the empty page plus one row; the row's markup has a fixed count of each special byte.
    // Counted in bytes: a name starting with a combining mark (U+06E7) joins the `>` before it into one
    // Character, which once made this target report a false crash (Fuzz/crashes, 0xDB 0xA7).
    let added = { (byte: Character) in
        html.utf8.filter { $0 == byte.asciiValue! }.count - empty.utf8.filter { $0 == byte.asciiValue! }.count
    }
    precondition(added("<") == 10 && added(">") == 10 && added("\"") == 4)
    return 0
}
