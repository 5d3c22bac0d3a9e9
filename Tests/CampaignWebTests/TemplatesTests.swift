import Foundation
import Testing

@testable import CampaignWeb

@Suite struct TemplatesTests {
    @Test func aFileInTheTemplatesDirectoryReplacesTheShippedOne() throws {
        let directory = "/tmp/campaign-web-templates-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "{{<layout}}{{$content}}<h1>Ours: {{heading}}</h1>{{/content}}{{/layout}}".write(
            toFile: directory + "/message.mustache", atomically: true, encoding: .utf8)
        try "body{color:#000}".write(toFile: directory + "/site.css", atomically: true, encoding: .utf8)
        let shipped = try SiteTemplates()
        let templates = try SiteTemplates(overridesIn: directory)
        #expect(templates.overrides == ["message.mustache", "site.css"])
        #expect(templates.css == "body{color:#000}")
        #expect(templates.cssURL != shipped.cssURL, "a changed stylesheet gets a new URL")
        let html = templates.render("message", ["heading": "<b>x</b>", "nonce": "n1", "liveScriptURL": "/live.js?v=1"])
        #expect(html.contains("<h1>Ours: &lt;b&gt;x&lt;/b&gt;</h1>"))
        #expect(html.contains("<script src=\"/live.js?v=1\" nonce=\"n1\" defer></script>"), "the shipped layout still wraps it")
    }

    @Test func aMissingTemplatesDirectoryIsRefused() {
        #expect(throws: SiteError.self) { try SiteTemplates(overridesIn: "/nonexistent/templates") }
    }
}
