/// A small Markdown renderer for the letter's body: paragraphs, headings, emphasis, strong, links
/// (http, https and mailto only), lists and blockquotes. Every `&`, `<` and `"` of the source is
/// escaped before anything else, so raw HTML in a letter shows as text and no link can leave its
/// attribute.
public enum Markdown {
    public static func html(_ source: String) -> String {
        let escaped = escape(source.replacingOccurrences(of: "\r\n", with: "\n"))
        let lines = escaped.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return renderBlocks(lines)
    }

    /// The text escaped for HTML content and double-quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func renderBlocks(_ lines: [String]) -> String {
        var out: [String] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty {
                i += 1
            } else if let (level, text) = heading(trimmed) {
                out.append("<h\(level)>\(inline(text))</h\(level)>")
                i += 1
            } else if trimmed.hasPrefix(">") {
                var quoted: [String] = []
                while i < lines.count, let rest = quoteContent(lines[i]) {
                    quoted.append(rest)
                    i += 1
                }
                out.append("<blockquote>\n\(renderBlocks(quoted))\n</blockquote>")
            } else if let first = listMarker(trimmed) {
                var items: [String] = []
                var start = first.number
                while i < lines.count {
                    let current = lines[i].drop { $0 == " " }
                    if let marker = listMarker(current), marker.ordered == first.ordered {
                        items.append(String(current.dropFirst(marker.length)))
                    } else if !current.isEmpty, lines[i].hasPrefix(" "), !items.isEmpty {
                        items[items.count - 1] += "\n" + current  // an item's continuation line
                    } else {
                        break
                    }
                    i += 1
                }
                let tag = first.ordered ? "ol" : "ul"
                if !first.ordered || start == 1 { start = nil }
                let open = start.map { "<\(tag) start=\"\($0)\">" } ?? "<\(tag)>"
                out.append(open + "\n" + items.map { "<li>\(inline($0))</li>" }.joined(separator: "\n") + "\n</\(tag)>")
            } else {
                var paragraph: [String] = []
                while i < lines.count {
                    let current = lines[i].drop { $0 == " " }
                    if current.isEmpty || heading(current) != nil || current.hasPrefix(">")
                        || (!paragraph.isEmpty && listMarker(current) != nil)
                    {
                        break
                    }
                    paragraph.append(String(current))
                    i += 1
                }
                out.append("<p>\(inline(paragraph.joined(separator: "\n")))</p>")
            }
        }
        return out.joined(separator: "\n")
    }

    static func heading(_ line: Substring) -> (Int, String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " else { return nil }
        var text = rest.trimmingWhitespace()
        while text.last == "#" { text = text.dropLast() }  // closing hashes are decoration
        return (hashes, String(text.trimmingWhitespace()))
    }

    static func quoteContent(_ line: String) -> String? {
        let trimmed = line.drop { $0 == " " }
        guard trimmed.hasPrefix(">") else { return nil }
        let rest = trimmed.dropFirst()
        return String(rest.first == " " ? rest.dropFirst() : rest)
    }

    struct ListMarker {
        var ordered: Bool
        var number: Int?
        var length: Int
    }

    static func listMarker(_ line: Substring) -> ListMarker? {
        if let first = line.first, "-*+".contains(first), line.dropFirst().first == " " {
            // `***` or `- - -` would be a rule; a lone marker followed by text is an item.
            return ListMarker(ordered: false, number: nil, length: 2)
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        guard (1...9).contains(digits.count) else { return nil }
        let rest = line.dropFirst(digits.count)
        guard let dot = rest.first, dot == "." || dot == ")", rest.dropFirst().first == " " else { return nil }
        return ListMarker(ordered: true, number: Int(digits), length: digits.count + 2)
    }

    /// Links, strong and emphasis. The text is already escaped.
    static func inline(_ text: String, links: Bool = true) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if links, c == "[", let (label, url, end) = link(chars, at: i) {
                if let safe = safeURL(url) {
                    out += "<a href=\"\(safe)\">\(inline(label, links: false))</a>"
                } else {
                    out += inline(label, links: false)  // a scheme we do not link: the words alone
                }
                i = end
            } else if (c == "*" || c == "_"), i + 1 < chars.count, chars[i + 1] == c,
                let close = closing(chars, from: i + 2, marker: [c, c]), close > i + 2
            {
                out += "<strong>\(inline(String(chars[(i + 2)..<close]), links: links))</strong>"
                i = close + 2
            } else if (c == "*" || c == "_"), i + 1 < chars.count, chars[i + 1] != " ", opensEmphasis(chars, at: i),
                let close = closing(chars, from: i + 1, marker: [c]), close > i + 1
            {
                out += "<em>\(inline(String(chars[(i + 1)..<close]), links: links))</em>"
                i = close + 1
            } else {
                out.append(c)
                i += 1
            }
        }
        return out
    }

    /// `_` opens emphasis only at the start of a word, so that snake_case stays as written.
    static func opensEmphasis(_ chars: [Character], at i: Int) -> Bool {
        chars[i] == "*" || i == 0 || !(chars[i - 1].isLetter || chars[i - 1].isNumber)
    }

    static func closing(_ chars: [Character], from start: Int, marker: [Character]) -> Int? {
        var j = start
        while j + marker.count <= chars.count {
            if Array(chars[j..<(j + marker.count)]) == marker, chars[j - 1] != " " {
                let after = j + marker.count
                // `_` closes only at the end of a word; `*` anywhere.
                if marker[0] == "*" || after == chars.count || !(chars[after].isLetter || chars[after].isNumber) {
                    // A single marker must not be half of a double one.
                    if marker.count == 2 || after == chars.count || chars[after] != marker[0] { return j }
                }
            }
            j += 1
        }
        return nil
    }

    static func link(_ chars: [Character], at start: Int) -> (String, String, Int)? {
        var depth = 0
        var j = start
        while j < chars.count {
            if chars[j] == "[" { depth += 1 }
            if chars[j] == "]" {
                depth -= 1
                if depth == 0 { break }
            }
            j += 1
        }
        guard j < chars.count, j + 1 < chars.count, chars[j + 1] == "(" else { return nil }
        // The URL ends at the `)` that balances its own parentheses (`…/Foo_(bar)`).
        var close = j + 2
        var open = 0
        while close < chars.count, chars[close] != ")" || open > 0 {
            if chars[close] == "(" { open += 1 }
            if chars[close] == ")" { open -= 1 }
            close += 1
        }
        guard close < chars.count else { return nil }
        let url = String(chars[(j + 2)..<close])
        guard !url.contains(" "), !url.contains("\n") else { return nil }
        return (String(chars[(start + 1)..<j]), url, close + 1)
    }

    /// Only web and mail links: no `javascript:`, `data:` or relative tricks.
    static func safeURL(_ url: String) -> String? {
        let lower = url.lowercased()
        let allowed = lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:")
        return allowed && url.count > 8 ? url : nil
    }
}
