import JourneyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTML index of a directory (`--browse`), like nginx's autoindex: sorted, escaped, sizes and dates.
public struct DirectoryListing: Sendable {
    /// One name in the directory.
    public struct Item: Hashable, Sendable {
        /// The file name as stored on disk.
        public var name: String
        /// Directories get a trailing `/` and sort first.
        public var isDirectory: Bool
        /// Size in bytes (files only).
        public var size: Int
        /// Last modification, seconds since the epoch.
        public var modificationTime: Int

        /// Creates an item.
        public init(name: String, isDirectory: Bool, size: Int, modificationTime: Int) {
            self.name = name
            self.isDirectory = isDirectory
            self.size = size
            self.modificationTime = modificationTime
        }
    }

    /// The directory's URL path, `/a/b/`, used in the title and for the parent link.
    public var urlPath: String
    /// The entries, in any order.
    public var items: [Item]

    /// Creates a listing.
    public init(urlPath: String, items: [Item]) {
        self.urlPath = urlPath
        self.items = items
    }

    /// The page: directories first, then files, each group by name; every name escaped twice over,
    /// percent-encoded in the link and HTML-escaped in the text, so no file name can inject markup.
    public var html: String {
        let sorted = self.items.sorted {
            $0.isDirectory != $1.isDirectory ? $0.isDirectory : $0.name < $1.name
        }
        let title = Self.escapeHTML(self.urlPath.removingPercentEncodingLossy)
        var page = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Index of \(title)</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:0 1em}td.n{text-align:right}</style>
            </head><body><h1>Index of \(title)</h1><table>
            <tr><th>Name</th><th>Size</th><th>Modified</th></tr>

            """
        if self.urlPath != "/" {
            page += "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n"
        }
        for item in sorted {
            let suffix = item.isDirectory ? "/" : ""
            let href = RequestPath.percentEncode(item.name) + suffix
            let size = item.isDirectory ? "-" : String(item.size)
            page +=
                "<tr><td><a href=\"\(href)\">\(Self.escapeHTML(item.name))\(suffix)</a></td>"
                + "<td class=\"n\">\(size)</td><td>\(HTTPDate.format(item.modificationTime))</td></tr>\n"
        }
        page += "</table></body></html>\n"
        return page
    }

    /// The listing as JSON, for clients that ask for `application/json` (Caddy's browse does the same): an array of
    /// `{"name","size","url","mod_time","is_dir"}`, sorted as the page is, times in RFC 3339 (`+00:00`).
    public var json: String {
        let sorted = self.items.sorted {
            $0.isDirectory != $1.isDirectory ? $0.isDirectory : $0.name < $1.name
        }
        var text = "["
        for (index, item) in sorted.enumerated() {
            if index > 0 { text += "," }
            let suffix = item.isDirectory ? "/" : ""
            text += "{\"name\":" + JSONText.quoted(item.name + suffix)
            text += ",\"size\":\(item.isDirectory ? 0 : item.size)"
            text += ",\"url\":" + JSONText.quoted("./" + RequestPath.percentEncode(item.name) + suffix)
            text += ",\"mod_time\":" + JSONText.quoted(UTCTime(item.modificationTime).iso8601)
            text += ",\"is_dir\":\(item.isDirectory)}"
        }
        return text + "]\n"
    }

    /// Escapes the five characters that matter in HTML text and attributes.
    public static func escapeHTML(_ text: String) -> String {
        text.escapingHTML
    }

    /// Reads `directory`'s entries. Blocking: call only on the thread pool.
    static func read(directory: String, allowDotfiles: Bool) -> [Item]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        let descriptor = dirfd(stream)
        var items: [Item] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." || (name.hasPrefix(".") && !allowDotfiles) { continue }
            var status = stat()
            guard fstatat(descriptor, name, &status, 0) == 0 else { continue }
            let isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
            items.append(
                Item(
                    name: name,
                    isDirectory: isDirectory,
                    size: Int(status.st_size),
                    modificationTime: Int(status.st_mtim.tv_sec)
                )
            )
        }
        return items
    }
}

extension String {
    /// Percent-decoding for display only: invalid escapes stay as they are.
    var removingPercentEncodingLossy: String {
        var bytes: [UInt8] = []
        var utf8 = Array(self.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
