import Testing

@testable import CampaignWeb

@Test func markdownRendersParagraphsAndHeadings() {
    #expect(Markdown.html("# Title\n\nOne line\nand more.\n\n## Sub ##") == "<h1>Title</h1>\n<p>One line\nand more.</p>\n<h2>Sub</h2>")
}
