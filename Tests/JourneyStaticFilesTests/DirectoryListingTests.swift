import Foundation
import JourneyStaticFiles
import Testing

@Suite struct DirectoryListingTests {
    @Test func escapesNamesInLinksAndText() {
        let listing = DirectoryListing(
            urlPath: "/a/",
            items: [.init(name: "<script>alert(1)</script>\"&'.html", isDirectory: false, size: 5, modificationTime: 0)]
        )
        let html = listing.html
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;.html"))
        #expect(html.contains("href=\"%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%26%27.html\""))
    }

    /// From the fuzzer: a name that starts with a combining mark (U+06E7) is escaped and linked like any other.
    @Test func aNameStartingWithACombiningMarkIsListedIntact() {
        let name = "\u{06E7}<b>.txt"
        let html = DirectoryListing(
            urlPath: "/",
            items: [.init(name: name, isDirectory: false, size: 1, modificationTime: 0)]
        )
        .html
        let empty = DirectoryListing(urlPath: "/", items: []).html
        #expect(html.contains("\u{06E7}&lt;b&gt;.txt"))
        #expect(html.contains("href=\"%DB%A7%3Cb%3E.txt\""))
        let count = { (text: String, byte: UInt8) in text.utf8.filter { $0 == byte }.count }
        #expect(count(html, UInt8(ascii: "<")) - count(empty, UInt8(ascii: "<")) == 10)
    }

    @Test func sortsDirectoriesFirstThenByName() throws {
        let listing = DirectoryListing(
            urlPath: "/",
            items: [
                .init(name: "b.txt", isDirectory: false, size: 1, modificationTime: 0),
                .init(name: "z", isDirectory: true, size: 0, modificationTime: 0),
                .init(name: "a.txt", isDirectory: false, size: 22, modificationTime: 0),
                .init(name: "c", isDirectory: true, size: 0, modificationTime: 0),
            ]
        )
        let html = listing.html
        let order = ["c/", "z/", "a.txt", "b.txt"].map { html.range(of: ">\($0)<")!.lowerBound }
        #expect(order == order.sorted())
        #expect(html.contains("<td class=\"n\">22</td>"))
        #expect(!html.contains("href=\"../\""))  // the root has no parent
    }

    @Test func escapesTheTitle() {
        let html = DirectoryListing(urlPath: "/%3Cb%3E/", items: []).html
        #expect(html.contains("Index of /&lt;b&gt;/"))
        #expect(html.contains("href=\"../\""))
    }
}
