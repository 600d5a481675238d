import JourneyStaticFiles

/// Directory-listing escaping: whatever the file name, no raw `<`, `>` or `"` of it reaches the page.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let name = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let empty = DirectoryListing(urlPath: "/", items: []).html
    let html = DirectoryListing(urlPath: "/", items: [.init(name: name, isDirectory: false, size: 1, modificationTime: 0)]).html
    // The page is the empty page plus one row; the row's markup has a fixed count of each special character.
    let added = { (character: Character) in html.filter { $0 == character }.count - empty.filter { $0 == character }.count }
    precondition(added("<") == 10 && added(">") == 10 && added("\"") == 4)
    return 0
}
