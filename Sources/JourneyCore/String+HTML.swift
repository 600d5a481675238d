extension String {
    /// The text with the five characters that matter in HTML text and attributes escaped: what a page quotes from a
    /// request (an error's detail, a listed file's name) cannot become markup.
    package var escapingHTML: String {
        var out = ""
        out.reserveCapacity(self.utf8.count)
        for character in self.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
