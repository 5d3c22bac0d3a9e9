import Foundation
import Mustache

/// The site's templates and stylesheet: the shipped ones, each replaced by `NAME.mustache` (or
/// `site.css`) in the override directory when that file exists.
public struct SiteTemplates: Sendable {
    let library: MustacheLibrary
    /// The stylesheet served at `/site.css`.
    public let css: String
    /// A hash of the stylesheet, in its URL so that a changed sheet is fetched anew despite the long
    /// cache lifetime.
    public let cssHash: String
    /// The override files in use, for the log.
    public let overrides: [String]

    public init(overridesIn directory: String? = nil) throws {
        var sources = ShippedTemplates.all
        var css = ShippedTemplates.css
        var overrides: [String] = []
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                // A mistyped --templates would otherwise serve the shipped pages without a word.
                throw SiteError.badTemplate(file: directory, reason: "no such directory")
            }
            for name in sources.keys.sorted() {
                let path = directory + "/" + name + ".mustache"
                if let text = try Self.read(path) {
                    sources[name] = text
                    overrides.append(name + ".mustache")
                }
            }
            if let text = try Self.read(directory + "/site.css") {
                css = text
                overrides.append("site.css")
            }
        }
        var library = MustacheLibrary()
        for (name, source) in sources {
            do {
                library.register(try MustacheTemplate(string: source), named: name)
            } catch {
                throw SiteError.badTemplate(file: name + ".mustache", reason: "\(error)")
            }
        }
        self.library = library
        self.css = css
        self.cssHash = Self.hash(css)
        self.overrides = overrides
    }

    static func read(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SiteError.badTemplate(file: path, reason: "cannot be read as UTF-8: \(error)")
        }
    }

    /// `/site.css?v=HASH`.
    public var cssURL: String { "/site.css?v=" + cssHash }

    public func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    /// FNV-1a, 64 bits: enough to tell one stylesheet from the next.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

public enum SiteError: Error, Sendable, CustomStringConvertible {
    case badTemplate(file: String, reason: String)
    case badOption(String)

    public var description: String {
        switch self {
        case .badTemplate(let file, let reason): "template \(file): \(reason)"
        case .badOption(let reason): reason
        }
    }
}
